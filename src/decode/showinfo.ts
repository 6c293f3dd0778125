import { parseRational, type Rational } from './rational.ts';

export type ShowinfoLine =
  | { kind: 'frame'; n: number; pts: number | null; ptsTime: number | null }
  | { kind: 'config'; timeBase: Rational }
  | { kind: 'other' };

const SOURCE = /\[Parsed_showinfo_\d+ @/;
const FRAME = /\bn:\s*(\d+)\s+pts:\s*(\S+)\s+pts_time:\s*(\S+)/;
const CONFIG = /config in time_base:\s*(\d+\/\d+)/;

/** True for any line the showinfo filter printed (per-frame lines and their continuations). */
export function isShowinfoLine(line: string): boolean {
  return SOURCE.test(line);
}

/** Reads one showinfo line; `null` where it is not from showinfo at all. */
export function parseShowinfoLine(line: string): ShowinfoLine | null {
  if (!isShowinfoLine(line)) return null;
  const frame = FRAME.exec(line);
  if (frame) {
    return { kind: 'frame', n: Number(frame[1]), pts: integerOrNull(frame[2]), ptsTime: numberOrNull(frame[3]) };
  }
  const config = CONFIG.exec(line);
  const timeBase = config ? parseRational(config[1]) : null;
  if (timeBase) return { kind: 'config', timeBase };
  return { kind: 'other' };
}

/**
 * Seconds for a frame: pts × time base, exact where pts_time is printed to 6 significant digits only.
 * If the time base we were given does not reproduce pts_time (another ffmpeg's filter time base),
 * pts_time wins.
 */
export function frameSeconds(frame: { pts: number | null; ptsTime: number | null }, timeBase: Rational): number | null {
  if (frame.pts === null) return frame.ptsTime;
  const exact = (frame.pts * timeBase.num) / timeBase.den;
  if (frame.ptsTime === null) return exact;
  const agrees = Math.abs(exact - frame.ptsTime) <= 1e-6 + 1e-5 * Math.abs(frame.ptsTime);
  return agrees ? exact : frame.ptsTime;
}

function integerOrNull(s: string | undefined): number | null {
  return s !== undefined && /^-?\d+$/.test(s) ? Number(s) : null;
}

function numberOrNull(s: string | undefined): number | null {
  if (s === undefined) return null;
  const n = Number(s);
  return s !== '' && Number.isFinite(n) ? n : null;
}
