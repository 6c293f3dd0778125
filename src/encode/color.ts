import { colorMatrixFor, colorRangeFor } from '../decode/decode-args.ts';
import type { VideoStreamInfo } from '../decode/media-info.ts';
import { pixelFamily } from '../decode/pix-fmt.ts';

export type ColorVideo = Pick<VideoStreamInfo, 'colorRange' | 'colorSpace' | 'colorPrimaries' | 'colorTransfer' | 'height' | 'fieldOrder'>;

/**
 * ffprobe's names → what this ffmpeg's -colorspace/-color_primaries/-color_trc accept.
 * ffprobe may be newer than ffmpeg ("ebu3213" was "jedec-p22").
 */
/** swscale's matrix names (decode-args.ts) → the -colorspace tag for YCbCr made with that matrix. */
const MATRIX_TAGS: Record<string, string> = {
  bt709: 'bt709', smpte170m: 'smpte170m', bt470: 'bt470bg', fcc: 'fcc', smpte240m: 'smpte240m', bt2020: 'bt2020nc',
};
const PRIMARIES: Record<string, string> = {
  bt709: 'bt709', bt470m: 'bt470m', bt470bg: 'bt470bg', smpte170m: 'smpte170m', smpte240m: 'smpte240m', film: 'film', bt2020: 'bt2020',
  smpte428: 'smpte428', smpte428_1: 'smpte428', smpte431: 'smpte431', smpte432: 'smpte432', 'jedec-p22': 'jedec-p22', ebu3213: 'jedec-p22',
};
const TRANSFERS: Record<string, string> = {
  bt709: 'bt709', gamma22: 'gamma22', gamma28: 'gamma28', smpte170m: 'smpte170m', smpte240m: 'smpte240m', linear: 'linear',
  log100: 'log100', log: 'log100', log316: 'log316', log_sqrt: 'log316', 'iec61966-2-4': 'iec61966-2-4', iec61966_2_4: 'iec61966-2-4',
  bt1361e: 'bt1361e', bt1361: 'bt1361e', 'iec61966-2-1': 'iec61966-2-1', iec61966_2_1: 'iec61966-2-1', 'bt2020-10': 'bt2020-10',
  bt2020_10bit: 'bt2020-10', 'bt2020-12': 'bt2020-12', bt2020_12bit: 'bt2020-12', smpte2084: 'smpte2084', smpte428: 'smpte428',
  smpte428_1: 'smpte428', 'arib-std-b67': 'arib-std-b67',
};
const UNTAGGED = new Set(['unknown', 'unspecified', 'reserved', '']);

export const INTERLACED = new Set(['tt', 'bb', 'tb', 'bt']);

/** Where the output samples are YCbCr, the conversion from the decoder's RGB needs a matrix and a range. */
export function needsYuvConversion(outPixFmt: string): boolean {
  return pixelFamily(outPixFmt) === 'yuv' || pixelFamily(outPixFmt) === 'gray';
}

/**
 * RGB → YCbCr with the matrix and range the decoder used the other way (decode-args.ts), so pixels GPEN
 * left alone come back within a code value or two. area: averaging each chroma block is the closest inverse of
 * the decoder's chroma upsampling (measured); accurate_rnd + full_chroma_int: no fast-path shortcuts; bitexact:
 * the same on every CPU. interl: 4:2:0 chroma is subsampled per field in interlaced video.
 */
export function yuvScaleFilter(video: ColorVideo): string {
  const opts = [`out_color_matrix=${colorMatrixFor(video)}`, `out_range=${colorRangeFor(video)}`];
  if (INTERLACED.has(video.fieldOrder)) opts.push('interl=1');
  opts.push('flags=area+accurate_rnd+full_chroma_int+bitexact');
  return `scale=${opts.join(':')}`;
}

/**
 * Colour description of the output: the source's tags where it has them (renamed for this ffmpeg).
 * For YCbCr the range is always stated, because we chose it, and the matrix tag names the matrix we converted
 * with; RGB output is tagged as RGB.
 */
export function colorTagArgs(video: ColorVideo, outPixFmt: string): { args: string[]; warnings: string[] } {
  const args: string[] = [];
  const warnings: string[] = [];
  const tag = (option: string, what: string, value: string, table: Record<string, string>): void => {
    if (UNTAGGED.has(value)) return;
    const mapped = table[value];
    if (mapped) args.push(option, mapped);
    else warnings.push(`the source's ${what} "${value}" is not known to this ffmpeg; the output leaves it unspecified`);
  };
  if (needsYuvConversion(outPixFmt)) {
    args.push('-color_range', colorRangeFor(video));
    // Untagged sources stay untagged: players then guess the same matrix the decoder guessed.
    if (!UNTAGGED.has(video.colorSpace)) {
      const used = MATRIX_TAGS[colorMatrixFor(video)] ?? 'bt709';
      args.push('-colorspace', used);
      if (video.colorSpace !== used && video.colorSpace !== 'gbr' && video.colorSpace !== 'rgb') {
        warnings.push(`the source's colour matrix "${video.colorSpace}" cannot be reproduced by this ffmpeg's scaler; the output is ${used}`);
      }
    }
  } else {
    args.push('-colorspace', 'rgb');
  }
  tag('-color_primaries', 'colour primaries', video.colorPrimaries, PRIMARIES);
  tag('-color_trc', 'transfer characteristics', video.colorTransfer, TRANSFERS);
  return { args, warnings };
}
