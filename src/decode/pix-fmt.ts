/** How ffmpeg stores the samples: decides whether a colour matrix and a range apply. */
export type PixelFamily = 'yuv' | 'rgb' | 'gray' | 'other';

/** Packed formats whose names do not end in their depth. */
const ODD_DEPTHS: Record<string, number> = {
  y210: 10, y212: 12, y216: 16, v210: 10, v410: 10, v30x: 10, xv30: 10, xv36: 12, xv48: 16,
  x2rgb10: 10, x2bgr10: 10, ayuv64: 16, rgb48: 16, bgr48: 16, rgba64: 16, bgra64: 16,
};

/**
 * Bits per component from an ffmpeg pix_fmt name: yuv420p10le → 10, rgb48le → 16, p010le → 10, nv12 → 8.
 * Read from the name's pattern rather than a full table, so formats newer than this code still come out right.
 */
export function bitDepthOf(pixFmt: string): number {
  const name = pixFmt.replace(/(le|be)$/, '');
  const odd = ODD_DEPTHS[name];
  if (odd !== undefined) return odd;
  const semiPlanar = /^p[0-4](\d\d)$/.exec(name); // p010, p210, p416
  if (semiPlanar) return Number(semiPlanar[1]);
  const float = /f(16|32)$/.exec(name); // grayf32, gbrpf32, rgbaf16
  if (float) return Number(float[1]);
  const planar = /(?:p|gray|ya)(\d{1,2})$/.exec(name); // yuv420p10, gbrap12, gray16, ya16
  if (planar) {
    const bits = Number(planar[1]);
    if (bits > 8 && bits <= 16) return bits;
  }
  return 8;
}

export function pixelFamily(pixFmt: string): PixelFamily {
  if (/^(?:gray|ya\d|monow|monob)/.test(pixFmt)) return 'gray';
  if (/^(?:yuv|nv\d|p[0-4]\d\d|uyvy|yuyv|yvyu|uyyvyy|ayuv|vuy|xv\d|y2\d|v210|v30x|v410)/.test(pixFmt)) return 'yuv';
  if (/^(?:rgb|bgr|gbr|argb|abgr|0rgb|0bgr|x2rgb|x2bgr|pal8)/.test(pixFmt)) return 'rgb';
  return 'other';
}

/** yuvj* formats are full range by definition, whatever the stream's color_range says. */
export function isJpegRange(pixFmt: string): boolean {
  return pixFmt.startsWith('yuvj');
}
