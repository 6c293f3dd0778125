import type { Rotation, VideoStreamInfo } from './media-info.ts';

export type DecodePixelFormat = 'rgb24' | 'rgb48le';

/** Frame indices, start inclusive, end exclusive, counted from the first decoded frame. */
export interface FrameRange {
  start: number;
  end: number;
}

export type DecodeVideo = Pick<VideoStreamInfo, 'index' | 'rotation' | 'pixFmt' | 'pixelFamily' | 'colorSpace' | 'colorRange' | 'fieldOrder' | 'height'>;

export interface DecodeArgsInput {
  /** As ffmpeg should open it (see ffmpegInputUrl). */
  input: string;
  video: DecodeVideo;
  pixelFormat: DecodePixelFormat;
  range?: FrameRange;
  /**
   * Open the input at this time (seconds from the file's start) instead of decoding from its first frame: just
   * before the time of `range.start` as an earlier full decode reported it. Frames are then counted from there.
   */
  seekSeconds?: number;
  /** ffmpeg 5.1+ spells frame-rate passthrough `-fps_mode`; older ones only know `-vsync`. */
  fpsMode: boolean;
}

/** ffprobe's color_space → swscale's name for the same YCbCr matrix. */
const MATRIX: Record<string, string> = {
  bt709: 'bt709',
  smpte170m: 'smpte170m',
  bt470bg: 'bt470',
  fcc: 'fcc',
  smpte240m: 'smpte240m',
  bt2020nc: 'bt2020',
  bt2020c: 'bt2020',
};

/**
 * The YCbCr matrix to decode with. Untagged video gets the usual player guess, BT.709 from 720 lines up and
 * BT.601 below, rather than ffmpeg's unconditional BT.601. Exported so the encoder can go back the same way.
 */
export function colorMatrixFor(video: Pick<VideoStreamInfo, 'colorSpace' | 'height'>): string {
  return MATRIX[video.colorSpace] ?? (video.height >= 720 ? 'bt709' : 'smpte170m');
}

/** Untagged YCbCr is limited ("tv") range, as nearly all video is; yuvj formats were already mapped to pc. */
export function colorRangeFor(video: Pick<VideoStreamInfo, 'colorRange'>): 'tv' | 'pc' {
  return video.colorRange === 'pc' || video.colorRange === 'jpeg' ? 'pc' : 'tv';
}

/** Quarter turns as lossless pixel moves; done after the RGB conversion (transpose refuses 4:2:2 input). */
export function rotationFilters(rotation: Rotation): string[] {
  switch (rotation) {
    case 0:
      return [];
    case 90:
      return ['transpose=clock'];
    case 180:
      return ['hflip', 'vflip'];
    case 270:
      return ['transpose=cclock'];
  }
}

export function scaleFilter(video: DecodeVideo): string {
  const opts: string[] = [];
  if (video.pixelFamily === 'yuv') opts.push(`in_color_matrix=${colorMatrixFor(video)}`);
  if (video.pixelFamily === 'yuv' || video.pixelFamily === 'gray') opts.push(`in_range=${colorRangeFor(video)}`);
  // Interlaced 4:2:0 carries chroma per field; upsampling it as one frame smears colour between fields.
  if (['tt', 'bb', 'tb', 'bt'].includes(video.fieldOrder)) opts.push('interl=1');
  // Explicit algorithm (defaults differ between versions); accurate_rnd + full_chroma_int: no fast-path shortcuts
  // in the YCbCr → RGB maths; bitexact: the same source pixels give the same RGB on every CPU.
  opts.push('flags=bicubic+accurate_rnd+full_chroma_int+bitexact');
  return `scale=${opts.join(':')}`;
}

/**
 * trim → showinfo → scale → rotate → format.
 * trim counts decoded frames, so start/end are exact source frame indices (no timestamp arithmetic);
 * showinfo prints each kept frame's pts on stderr, which rawvideo cannot carry.
 */
export function decodeFilterChain(video: DecodeVideo, pixelFormat: DecodePixelFormat, range?: FrameRange, seeking = false): string {
  const filters: string[] = [];
  // After a seek the first decoded frame is range.start already; -frames:v ends the range.
  if (range && !seeking) filters.push(`trim=start_frame=${range.start}:end_frame=${range.end}`);
  filters.push('showinfo', scaleFilter(video), ...rotationFilters(video.rotation), `format=${pixelFormat}`);
  return filters.join(',');
}

/**
 * ffmpeg arguments that write the chosen video stream to stdout as raw RGB frames.
 * Ranges decode from the start and drop frames before `start`: slower for late ranges than a seek,
 * but exact on every container, keyframe spacing and timestamp layout.
 */
export function decodeArgs({ input, video, pixelFormat, range, seekSeconds, fpsMode }: DecodeArgsInput): string[] {
  const seeking = range !== undefined && seekSeconds !== undefined;
  return [
    '-hide_banner',
    '-nostdin',
    '-nostats',
    // level+: tags each line with its severity, so errors can be told from the per-frame showinfo chatter.
    '-loglevel', 'level+info',
    // We rotate in the filter chain ourselves: exactly once, whatever this ffmpeg's autorotate would do.
    '-noautorotate',
    // Input seeking lands on the keyframe before this time and decodes from there, dropping frames before it.
    ...(seeking ? ['-ss', Math.max(0, seekSeconds).toFixed(6)] : []),
    '-i', input,
    '-map', `0:${video.index}`,
    '-an', '-sn', '-dn',
    '-vf', decodeFilterChain(video, pixelFormat, range, seeking),
    // Passthrough: one output frame per decoded frame, never duplicated or dropped to fit a frame rate.
    ...(fpsMode ? ['-fps_mode', 'passthrough'] : ['-vsync', '0']),
    ...(range ? ['-frames:v', String(range.end - range.start)] : []),
    '-f', 'rawvideo',
    '-pix_fmt', pixelFormat,
    'pipe:1',
  ];
}

/** Bytes in one frame of the given format. */
export function frameBytes(width: number, height: number, pixelFormat: DecodePixelFormat): number {
  return width * height * (pixelFormat === 'rgb24' ? 3 : 6);
}
