export { binaries, binaryPath, setBinaries, resetBinaries, type Binaries, type BinaryName } from './binaries.ts';
export {
  runFfmpeg,
  runFfprobe,
  execFfprobe,
  liveProcessIds,
  DEFAULT_KILL_GRACE_MS,
  type RunOptions,
  type FfmpegHandle,
  type ExitInfo,
  type ProcessResult,
} from './run.ts';
export { ffmpegCapabilities, type FfmpegCapabilities, type FfmpegVersion } from './capabilities.ts';
export { StderrRing, isErrorLine, lineLevel } from './stderr-ring.ts';
export { ffmpegInputUrl } from './input-url.ts';
