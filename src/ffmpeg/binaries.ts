import { accessSync, chmodSync, constants, statSync } from 'node:fs';
import { createRequire } from 'node:module';

export type BinaryName = 'ffmpeg' | 'ffprobe';

export interface Binaries {
  ffmpeg: string;
  ffprobe: string;
}

const ENV: Record<BinaryName, string> = { ffmpeg: 'GPEN_VIDEO_FFMPEG', ffprobe: 'GPEN_VIDEO_FFPROBE' };
const INSTALLER: Record<BinaryName, string> = { ffmpeg: '@ffmpeg-installer/ffmpeg', ffprobe: '@ffprobe-installer/ffprobe' };

const overrides: Partial<Binaries> = {};
const installerCache = new Map<BinaryName, string | null>();
const require = createRequire(import.meta.url);

/**
 * Overrides the binaries for this process (tests point these at fake scripts).
 * A key given as undefined goes back to normal resolution; a missing key is left as it is.
 */
export function setBinaries(next: Partial<Binaries>): void {
  for (const name of ['ffmpeg', 'ffprobe'] as const) {
    if (!(name in next)) continue;
    const value = next[name];
    if (value === undefined) delete overrides[name];
    else overrides[name] = value;
  }
}

/** Drops every override set by setBinaries. */
export function resetBinaries(): void {
  delete overrides.ffmpeg;
  delete overrides.ffprobe;
}

/** setBinaries override > GPEN_VIDEO_FFMPEG / GPEN_VIDEO_FFPROBE > the npm installer package > the bare name (PATH). */
export function binaryPath(name: BinaryName): string {
  const override = overrides[name];
  if (override !== undefined) return override;
  const fromEnv = process.env[ENV[name]];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  return installerPath(name) ?? name;
}

export function binaries(): Binaries {
  return { ffmpeg: binaryPath('ffmpeg'), ffprobe: binaryPath('ffprobe') };
}

/** Where the user can point us at another binary: quoted in "not found" errors. */
export function binaryEnvVar(name: BinaryName): string {
  return ENV[name];
}

function installerPath(name: BinaryName): string | null {
  const cached = installerCache.get(name);
  if (cached !== undefined) return cached;
  let found: string | null = null;
  try {
    const mod: unknown = require(INSTALLER[name]);
    const p = typeof mod === 'object' && mod !== null && 'path' in mod ? mod.path : undefined;
    if (typeof p === 'string' && ensureExecutable(p)) found = p;
  } catch {
    // No build for this platform: fall back to PATH.
  }
  installerCache.set(name, found);
  return found;
}

/** npm may unpack the ffprobe binary without the exec bit for other users; fix it where we own the file. */
function ensureExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    try {
      chmodSync(file, statSync(file).mode | 0o111);
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  }
}
