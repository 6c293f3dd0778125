import { EXIT, GpenError } from '../errors.ts';
import { binaryEnvVar, type BinaryName } from './binaries.ts';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** "ffmpeg failed (exit code 1) while decoding x.mp4." plus the stderr tail. */
export function failureMessage(name: string, task: string | undefined, exit: ExitInfo, tail: readonly string[], hint?: string): string {
  const how = exit.signal !== null ? `was killed by ${exit.signal}` : `failed (exit code ${exit.code ?? 'unknown'})`;
  const lines = [`${name} ${how}${task ? ` while ${task}` : ''}.`];
  if (tail.length > 0) lines.push(`Last lines from ${name}:`, ...tail.map((l) => `  ${l}`));
  else lines.push(`${name} printed nothing on stderr.`);
  if (hint) lines.push(hint);
  return lines.join('\n');
}

export function processFailure(name: BinaryName, task: string | undefined, exit: ExitInfo, tail: readonly string[], hint?: string): GpenError {
  const code = name === 'ffmpeg' ? 'E_FFMPEG_FAILED' : 'E_FFPROBE_FAILED';
  return new GpenError(code, failureMessage(name, task, exit, tail, hint), { exitCode: EXIT.internal });
}

export function spawnFailure(name: BinaryName, file: string, err: NodeJS.ErrnoException): GpenError {
  const fix = `Install ${name} or set ${binaryEnvVar(name)} to its path.`;
  if (err.code === 'ENOENT') return new GpenError(`E_${name.toUpperCase()}_NOT_FOUND`, `${name} not found at "${file}". ${fix}`, { exitCode: EXIT.usage, cause: err });
  if (err.code === 'EACCES') return new GpenError(`E_${name.toUpperCase()}_NOT_EXECUTABLE`, `${name} at "${file}" is not executable (chmod +x it). ${fix}`, { exitCode: EXIT.usage, cause: err });
  return new GpenError(`E_${name.toUpperCase()}_SPAWN`, `could not start ${name} ("${file}"): ${err.message}`, { exitCode: EXIT.internal, cause: err });
}
