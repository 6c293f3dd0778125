import { EXIT, GpenError } from '../errors.ts';
import { binaryPath } from './binaries.ts';
import { runFfmpeg } from './run.ts';

export interface FfmpegVersion {
  /** The banner's version string: "4.1.3", "N-47683-g0e8eb07980-static", "7.0.2-static". */
  version: string;
  /** libavutil [major, minor, micro]: release numbers lie in snapshot builds, library versions do not. */
  libavutil: [number, number, number];
}

export interface FfmpegCapabilities {
  version: FfmpegVersion;
  /** `-fps_mode` exists (ffmpeg 5.1+); before that only `-vsync`, which 7.x warns about. */
  fpsMode: boolean;
}

/** libavutil 57.28 shipped with ffmpeg 5.1, the release that added -fps_mode. */
const FPS_MODE_SINCE: [number, number] = [57, 28];

export function parseVersionOutput(text: string): FfmpegVersion | null {
  const version = /^ffmpeg version (\S+)/m.exec(text)?.[1];
  const avutil = /^libavutil\s+(\d+)\.\s*(\d+)\.\s*(\d+)/m.exec(text);
  if (version === undefined || !avutil) return null;
  return { version, libavutil: [Number(avutil[1]), Number(avutil[2]), Number(avutil[3])] };
}

export function capabilitiesOf(version: FfmpegVersion): FfmpegCapabilities {
  const [major, minor] = version.libavutil;
  const fpsMode = major > FPS_MODE_SINCE[0] || (major === FPS_MODE_SINCE[0] && minor >= FPS_MODE_SINCE[1]);
  return { version, fpsMode };
}

const cache = new Map<string, Promise<FfmpegCapabilities>>();

/**
 * Asks the configured ffmpeg for its version, once per binary path. The question is shared between
 * callers, so one caller's abort ends only its own wait, not the detection the others wait for.
 */
export function ffmpegCapabilities(options: { signal?: AbortSignal } = {}): Promise<FfmpegCapabilities> {
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(signal.reason);
  const file = binaryPath('ffmpeg');
  let pending = cache.get(file);
  if (!pending) {
    pending = detect(file);
    cache.set(file, pending);
    // A failed detection is retried next time rather than remembered.
    pending.catch(() => cache.delete(file));
  }
  return signal ? untilAborted(pending, signal) : pending;
}

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

async function detect(file: string): Promise<FfmpegCapabilities> {
  const handle = runFfmpeg(['-hide_banner', '-version'], { stdout: 'pipe', binary: file, task: 'reading its version' });
  const chunks: Buffer[] = [];
  handle.stdout?.on('data', (c: Buffer) => chunks.push(c));
  await handle.done;
  const text = Buffer.concat(chunks).toString('utf8');
  const version = parseVersionOutput(text);
  if (!version) {
    throw new GpenError('E_FFMPEG_VERSION', `"${file}" did not answer -version like ffmpeg does (first line: "${text.split('\n')[0] ?? ''}"). Point GPEN_VIDEO_FFMPEG at an ffmpeg binary.`, { exitCode: EXIT.usage });
  }
  return capabilitiesOf(version);
}
