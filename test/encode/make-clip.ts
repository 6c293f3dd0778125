import { writeFile } from 'node:fs/promises';
import { execFfprobe } from '../../src/ffmpeg/run.ts';
import { ffmpeg, realBinaries, tempPath } from '../helpers/clips.ts';

/**
 * What the encoder tests need beyond test/helpers/clips.ts: a smooth (natural-looking) lossless source,
 * an mkv with an attachment, and oracles read with the real ffprobe/ffmpeg.
 */

/** Blurred, desaturated test pattern: no out-of-gamut colours, so YUV → RGB → YUV is nearly exact. */
export async function smoothLosslessClip(name: string, pixFmt = 'yuv420p', frames = 12): Promise<string> {
  const out = tempPath(`${name}.mkv`);
  await ffmpeg([
    '-f', 'lavfi', '-i', `testsrc2=size=160x120:rate=25,gblur=sigma=3,eq=saturation=0.6`,
    '-frames:v', String(frames), '-c:v', 'ffv1', '-pix_fmt', pixFmt, '-color_range', 'tv', '-colorspace', 'smpte170m', out,
  ]);
  return out;
}

/** An mkv with SubRip subtitles (language, title), two audio tracks and a font-like attachment. */
export async function mkvWithAttachment(name: string): Promise<string> {
  const srt = tempPath(`${name}.srt`);
  const font = tempPath(`${name}-font.ttf`);
  await writeFile(srt, '1\n00:00:00,200 --> 00:00:00,900\nHello\n\n2\n00:00:01,000 --> 00:00:01,800\nWorld\n');
  await writeFile(font, 'not really a font, but any bytes will do for an attachment');
  const out = tempPath(`${name}.mkv`);
  await ffmpeg([
    '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=25:duration=2',
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=2',
    '-f', 'lavfi', '-i', 'sine=frequency=880:sample_rate=48000:duration=2',
    '-i', srt,
    '-map', '0', '-map', '1', '-map', '2', '-map', '3',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'flac', '-c:s', 'srt',
    '-attach', font, '-metadata:s:t', 'mimetype=application/x-truetype-font',
    '-metadata:s:a:0', 'language=eng', '-metadata:s:a:1', 'language=fra',
    '-metadata:s:s:0', 'language=deu', '-metadata:s:s:0', 'title=Deutsch',
    '-metadata', 'title=Attached',
    out,
  ]);
  return out;
}

export interface ProbedStream {
  index: number;
  codec_type: string;
  codec_name?: string;
  start_time?: string;
  color_range?: string;
  color_space?: string;
  color_primaries?: string;
  color_transfer?: string;
  sample_aspect_ratio?: string;
  pix_fmt?: string;
  tags?: Record<string, string>;
  disposition?: Record<string, number>;
}

export interface Probed {
  streams: ProbedStream[];
  chapters: { start_time: string; end_time: string; tags?: Record<string, string> }[];
  format: { tags?: Record<string, string>; start_time?: string };
}

export async function probe(file: string): Promise<Probed> {
  const r = await execFfprobe(['-v', 'error', '-print_format', 'json', '-show_streams', '-show_chapters', '-show_format', file], { binary: realBinaries.ffprobe });
  return JSON.parse(r.stdout) as Probed;
}

/** Presentation times of the first video stream's packets, in display order. */
export async function videoTimes(file: string): Promise<number[]> {
  const r = await execFfprobe(['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts_time', '-of', 'csv=p=0', file], { binary: realBinaries.ffprobe });
  return r.stdout
    .split('\n')
    .map((l) => l.trim().replace(/,$/, ''))
    .filter((l) => l !== '')
    .map(Number)
    .sort((a, b) => a - b);
}

/** Start time of stream `spec` (e.g. "a:0"), from its first packet. */
export async function firstPacketTime(file: string, spec: string): Promise<number> {
  const r = await execFfprobe(['-v', 'error', '-select_streams', spec, '-show_entries', 'packet=pts_time', '-read_intervals', '%+#1', '-of', 'csv=p=0', file], { binary: realBinaries.ffprobe });
  return Number(r.stdout.trim().split('\n')[0]?.replace(/,$/, ''));
}

/** MD5 of the packets of audio stream n, stream-copied: equal only if every packet is byte-identical. */
export async function audioMd5(file: string, n: number): Promise<string> {
  return (await ffmpeg(['-i', file, '-map', `0:a:${n}`, '-c', 'copy', '-f', 'md5', '-'])).toString().trim();
}

/** Every frame of the first video stream as raw bytes in `pixFmt`, without any scaling options. */
export async function rawFrames(file: string, pixFmt: string): Promise<Buffer> {
  return ffmpeg(['-i', file, '-map', '0:v:0', '-vsync', '0', '-f', 'rawvideo', '-pix_fmt', pixFmt, '-']);
}
