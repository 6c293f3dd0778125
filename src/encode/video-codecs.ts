import { UsageError } from '../errors.ts';

export type VideoCodec = 'libx264' | 'libx265' | 'ffv1' | 'prores';

export const VIDEO_CODECS: readonly VideoCodec[] = ['libx264', 'libx265', 'ffv1', 'prores'];

const X26X_PRESETS = ['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow', 'slower', 'veryslow', 'placebo'] as const;

interface CodecSpec {
  encoder: string;
  label: string;
  /** What this encoder accepts in the bundled ffmpeg build (`ffmpeg -h encoder=…`). */
  pixFmts: readonly string[];
  /** Default CRF: visually transparent for restored faces rather than the encoders' size-oriented defaults. */
  crf: { min: number; max: number; default: number } | null;
  presets: readonly string[] | null;
}

export const CODECS: Record<VideoCodec, CodecSpec> = {
  libx264: {
    encoder: 'libx264',
    label: 'H.264 (libx264)',
    pixFmts: ['yuv420p', 'yuv422p', 'yuv444p', 'yuv420p10le', 'yuv422p10le', 'yuv444p10le', 'gray', 'gray10le', 'nv12', 'nv16', 'nv21'],
    crf: { min: 0, max: 51, default: 18 },
    presets: X26X_PRESETS,
  },
  libx265: {
    encoder: 'libx265',
    label: 'H.265 (libx265)',
    pixFmts: [
      'yuv420p', 'yuv422p', 'yuv444p', 'gbrp', 'yuv420p10le', 'yuv422p10le', 'yuv444p10le', 'gbrp10le',
      'yuv420p12le', 'yuv422p12le', 'yuv444p12le', 'gbrp12le', 'gray', 'gray10le', 'gray12le',
    ],
    crf: { min: 0, max: 51, default: 20 },
    presets: X26X_PRESETS,
  },
  ffv1: {
    encoder: 'ffv1',
    label: 'FFV1 (lossless)',
    pixFmts: [
      'yuv420p', 'yuv422p', 'yuv444p', 'yuv440p', 'yuv411p', 'yuv410p', 'bgr0', 'gray',
      'yuv420p9le', 'yuv422p9le', 'yuv444p9le', 'yuv420p10le', 'yuv422p10le', 'yuv444p10le', 'yuv440p10le',
      'yuv420p12le', 'yuv422p12le', 'yuv444p12le', 'yuv440p12le', 'yuv420p14le', 'yuv422p14le', 'yuv444p14le',
      'yuv420p16le', 'yuv422p16le', 'yuv444p16le', 'gray9le', 'gray10le', 'gray12le', 'gray16le',
      'gbrp9le', 'gbrp10le', 'gbrp12le', 'gbrp14le', 'gbrp16le', 'rgb48le',
    ],
    crf: null,
    presets: null,
  },
  prores: {
    encoder: 'prores_ks',
    label: 'ProRes (prores_ks)',
    pixFmts: ['yuv422p10le', 'yuv444p10le'],
    crf: null,
    presets: null,
  },
};

/** prores_ks profile numbers. */
const PRORES = { hq: 3, p4444: 4, p4444xq: 5 } as const;

export function isVideoCodec(name: string): name is VideoCodec {
  return (VIDEO_CODECS as readonly string[]).includes(name);
}

export interface CodecArgsInput {
  codec: VideoCodec;
  crf?: number;
  preset?: string;
  pixFmt: string;
  /** Source bit depth: picks the ProRes 4444 XQ profile for sources above 10 bits. */
  sourceBitDepth: number;
  interlaced: boolean;
  /** mp4/mov: decides the HEVC sample entry. */
  isoMedia: boolean;
  /** A piece of a longer video (render-farm chunk): no frame may refer to frames outside it. */
  closedGop?: boolean;
}

/** Refuses option values the codec cannot take, before anything is spawned. */
export function validateCodecOptions(codec: VideoCodec, crf: number | undefined, preset: string | undefined, pixFmt: string | undefined): void {
  const spec = CODECS[codec];
  if (crf !== undefined) {
    if (!spec.crf) throw new UsageError(`--crf does not apply to ${spec.label}: ${codec === 'ffv1' ? 'it is lossless' : 'its quality is set by the profile'}. Leave --crf out.`, 'E_USAGE_CRF');
    if (!Number.isFinite(crf) || crf < spec.crf.min || crf > spec.crf.max) {
      throw new UsageError(`--crf ${crf} is out of range for ${spec.label}: use ${spec.crf.min}–${spec.crf.max} (lower is better quality; default ${spec.crf.default}).`, 'E_USAGE_CRF');
    }
  }
  if (preset !== undefined) {
    if (!spec.presets) throw new UsageError(`--encoder-preset does not apply to ${spec.label}. Leave it out.`, 'E_USAGE_PRESET');
    if (!spec.presets.includes(preset)) throw new UsageError(`--encoder-preset "${preset}" is not a ${spec.label} preset; use one of: ${spec.presets.join(', ')}.`, 'E_USAGE_PRESET');
  }
  if (pixFmt !== undefined && !spec.pixFmts.includes(pixFmt)) {
    throw new UsageError(`--pix-fmt ${pixFmt} cannot be encoded by ${spec.label}; use one of: ${spec.pixFmts.join(', ')}.`, 'E_USAGE_PIX_FMT');
  }
}

/** Encoder selection and settings, without -pix_fmt. */
export function codecArgs(input: CodecArgsInput): string[] {
  const spec = CODECS[input.codec];
  const args = ['-c:v', spec.encoder];
  switch (input.codec) {
    case 'libx264':
      args.push('-preset', input.preset ?? 'medium', '-crf', String(input.crf ?? spec.crf?.default));
      // Interlaced DCT and motion estimation: fields stay separable, so players can deinterlace.
      if (input.interlaced) args.push('-flags', '+ildct+ilme');
      break;
    case 'libx265':
      args.push('-preset', input.preset ?? 'medium', '-crf', String(input.crf ?? spec.crf?.default));
      // x265 prints its own banner on stderr whatever ffmpeg's -loglevel says.
      // open-gop=0 for chunks: x265 otherwise lets pictures after a CRA refer across it (x264 is closed by default).
      args.push('-x265-params', input.closedGop ? 'log-level=error:open-gop=0' : 'log-level=error');
      // Apple players refuse the default hev1 sample entry.
      if (input.isoMedia) args.push('-tag:v', 'hvc1');
      break;
    case 'ffv1':
      // Version 3: per-slice CRCs and multithreaded slices; every frame a keyframe, as archives expect.
      args.push('-level', '3', '-g', '1');
      break;
    case 'prores':
      args.push('-profile:v', String(proresProfile(input.pixFmt, input.sourceBitDepth)));
      if (input.interlaced) args.push('-flags', '+ildct');
      break;
  }
  return args;
}

/** HQ for 4:2:2; 4444 for 4:4:4, XQ where the source carries more than 10 bits. */
export function proresProfile(pixFmt: string, sourceBitDepth: number): number {
  if (!pixFmt.startsWith('yuv444') && !pixFmt.startsWith('yuva444')) return PRORES.hq;
  return sourceBitDepth > 10 ? PRORES.p4444xq : PRORES.p4444;
}
