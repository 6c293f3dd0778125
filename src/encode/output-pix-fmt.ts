import { pixelFamily } from '../decode/pix-fmt.ts';
import type { VideoStreamInfo } from '../decode/media-info.ts';
import { CODECS, type VideoCodec } from './video-codecs.ts';

export type Chroma = '420' | '422' | '444' | '440' | '411' | '410';

const DEPTHS = [8, 9, 10, 12, 14, 16] as const;

/** Where the codec lacks the source's subsampling: the nearest layout that loses no chroma detail. */
const CHROMA_FALLBACK: Record<Chroma, Chroma[]> = {
  '420': ['420', '422', '444'],
  '422': ['422', '444'],
  '444': ['444'],
  '440': ['440', '444'],
  '411': ['411', '422', '444'],
  '410': ['410', '420', '422', '444'],
};

/** Chroma subsampling from an ffmpeg pix_fmt name; null for RGB, gray and unknown layouts. */
export function chromaOf(pixFmt: string): Chroma | null {
  const planar = /^yuv[aj]?(4[0-4][0-4])p/.exec(pixFmt)?.[1];
  if (planar && planar in CHROMA_FALLBACK) return planar as Chroma;
  if (/^nv(12|21)/.test(pixFmt)) return '420';
  if (/^nv(16|61|20)/.test(pixFmt)) return '422';
  if (/^nv(24|42)/.test(pixFmt)) return '444';
  const semi = /^p([024])\d\d/.exec(pixFmt)?.[1]; // p010, p210, p416
  if (semi) return semi === '0' ? '420' : semi === '2' ? '422' : '444';
  if (/^(yuyv|uyvy|yvyu)422|^y21\d|^v210/.test(pixFmt)) return '422';
  if (/^uyyvyy411/.test(pixFmt)) return '411';
  if (/^(ayuv|vuya|vuyx|xv\d\d|v410|v30x|yuva?444)/.test(pixFmt)) return '444';
  return null;
}

function yuvName(chroma: Chroma, depth: number): string {
  return depth === 8 ? `yuv${chroma}p` : `yuv${chroma}p${depth}le`;
}

/** The shallowest supported depth at or above the wanted one, else the deepest supported; null if none at all. */
function pickDepth(supported: readonly string[], name: (depth: number) => string, depth: number): { fmt: string; depth: number; keepsDepth: boolean } | null {
  const available = DEPTHS.filter((d) => supported.includes(name(d)));
  const atLeast = available.find((d) => d >= depth);
  if (atLeast !== undefined) return { fmt: name(atLeast), depth: atLeast, keepsDepth: true };
  const deepest = available.at(-1);
  return deepest === undefined ? null : { fmt: name(deepest), depth: deepest, keepsDepth: false };
}

/**
 * Layouts in order of preference: the first that keeps the depth with the fewest extra bits wins
 * (8-bit gbrp over 10-bit gbrp10le); where none keeps it, the deepest.
 */
function firstMatch(supported: readonly string[], namers: ((depth: number) => string)[], depth: number): string | null {
  const picks = namers.map((n) => pickDepth(supported, n, depth)).filter((p) => p !== null);
  const keeping = picks.filter((p) => p.keepsDepth);
  if (keeping.length > 0) return keeping.reduce((best, p) => (p.depth < best.depth ? p : best)).fmt;
  return picks.reduce<(typeof picks)[number] | null>((best, p) => (best === null || p.depth > best.depth ? p : best), null)?.fmt ?? null;
}

/**
 * The output pix_fmt when the user names none: the source's layout (YUV subsampling, RGB or gray) and bit depth,
 * as close as the codec allows: never fewer chroma samples, never fewer bits unless the codec has no deeper format.
 */
export function defaultPixFmt(codec: VideoCodec, video: Pick<VideoStreamInfo, 'pixFmt' | 'bitDepth'>): string {
  const supported = CODECS[codec].pixFmts;
  const depth = video.bitDepth;
  const family = pixelFamily(video.pixFmt);
  const yuv = (chroma: Chroma) => (d: number) => yuvName(chroma, d);
  let namers: ((d: number) => string)[];
  if (family === 'rgb') {
    // RGB stays RGB where the codec can store it; otherwise 4:4:4 keeps every sample.
    namers = [(d) => (d === 8 ? 'bgr0' : `gbrp${d}le`), (d) => (d === 8 ? 'gbrp' : `gbrp${d}le`), yuv('444')];
  } else if (family === 'gray') {
    namers = [(d) => (d === 8 ? 'gray' : `gray${d}le`), yuv('420')];
  } else {
    namers = CHROMA_FALLBACK[chromaOf(video.pixFmt) ?? '420'].map(yuv);
  }
  // Every codec in the table has a 4:2:2 or 4:2:0 format, so the last resort always exists.
  return firstMatch(supported, namers, depth) ?? firstMatch(supported, [yuv('422'), yuv('420')], depth) ?? 'yuv420p';
}
