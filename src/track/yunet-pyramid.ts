export interface PyramidOptions {
  /** long side of the finest detection input, pixels (default 1280); frames are never enlarged */
  maxSide?: number;
  /** long side of the coarse level that catches close-ups (default 320) */
  coarseSide?: number;
}

export interface PyramidLevel {
  width: number;
  height: number;
}

/**
 * The detection inputs for a frame size. YuNet finds faces of roughly 10–300 px, so one level
 * cannot cover both a crowd and a close-up: the fine level keeps small faces above ~10 px, and a
 * coarse level is added when the fine one is big enough for a face to outgrow 300 px.
 */
export function pyramidLevels(width: number, height: number, options: PyramidOptions = {}): PyramidLevel[] {
  const maxSide = options.maxSide ?? 1280;
  const coarseSide = options.coarseSide ?? 320;
  const long = Math.max(width, height);
  const level = (side: number): PyramidLevel => {
    const s = Math.min(1, side / long);
    return { width: Math.max(1, Math.round(width * s)), height: Math.max(1, Math.round(height * s)) };
  };
  const fine = level(maxSide);
  const levels = [fine];
  if (Math.max(fine.width, fine.height) >= 1.5 * coarseSide) levels.push(level(coarseSide));
  return levels;
}

export const padTo32 = (n: number): number => Math.ceil(n / 32) * 32;
