import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { chmod, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { binaries } from '../../src/ffmpeg/binaries.ts';
import { runFfmpeg } from '../../src/ffmpeg/run.ts';
import { afterAll } from 'vitest';

/**
 * Small clips made by the real ffmpeg for tests, cached for the life of the test process.
 * Paths are resolved at import, before any test points setBinaries at a fake script.
 */
export const realBinaries = binaries();

let dir: string | null = null;
const cache = new Map<string, Promise<string>>();

function removeTempDir(): void {
  if (dir !== null) rmSync(dir, { recursive: true, force: true });
  dir = null;
  cache.clear();
}

// Vitest may end a worker without running 'exit' handlers: clean up after the importing test file.
afterAll(removeTempDir);
process.once('exit', removeTempDir);

/** This test file's scratch folder, removed after its tests. */
export function tempDir(): string {
  dir ??= mkdtempSync(path.join(os.tmpdir(), 'gpen-video-test-'));
  return dir;
}

export function tempPath(name: string): string {
  return path.join(tempDir(), name);
}

export interface ClipSpec {
  width?: number;
  height?: number;
  /** Frames per second: a number or a rational string such as "30000/1001". */
  fps?: number | string;
  /** Seconds. */
  duration?: number;
  /** testsrc2: moving test pattern. pan: a still picture sliding sideways. */
  source?: 'testsrc2' | 'pan';
  codec?: string;
  pixFmt?: string;
  container?: 'mp4' | 'mkv' | 'mov' | 'avi';
  /** Number of sine audio tracks (different pitch and language each). */
  audio?: number;
  subtitles?: boolean;
  /** Number of chapters, evenly spread. */
  chapters?: number;
  /** Value for the legacy `rotate` tag (written by remuxing: ffmpeg 4 drops it when encoding). */
  rotateTag?: number;
  /** Sample aspect ratio such as "4/3". */
  sar?: string;
  colorRange?: 'tv' | 'pc';
  colorSpace?: string;
  /** moov at the front of mp4, so a truncated copy still probes. */
  faststart?: boolean;
  /** More output options, placed before the output name. */
  extraArgs?: string[];
}

/** A clip made to `spec`; the same spec gives the same file within one test process. */
export function makeClip(spec: ClipSpec = {}): Promise<string> {
  const key = JSON.stringify(spec);
  let pending = cache.get(key);
  if (!pending) {
    pending = buildClip(spec, `clip-${hash(key)}`);
    cache.set(key, pending);
  }
  return pending;
}

async function buildClip(spec: ClipSpec, name: string): Promise<string> {
  const { width = 160, height = 120, fps = 10, duration = 2, container = 'mp4' } = spec;
  const codec = spec.codec ?? 'libx264';
  const size = `${width}x${height}`;
  const source =
    spec.source === 'pan'
      ? `smptehdbars=size=${width * 2}x${height}:rate=${fps}:duration=${duration},crop=${width}:${height}:x='mod(n*4\\,${width})':y=0`
      : `testsrc2=size=${size}:rate=${fps}:duration=${duration}`;
  const inputs = ['-f', 'lavfi', '-i', source];
  const maps = ['-map', '0:v'];
  const audio = spec.audio ?? 1;
  const languages = ['eng', 'fra', 'deu', 'spa'];
  const meta: string[] = [];
  for (let i = 0; i < audio; i++) {
    inputs.push('-f', 'lavfi', '-i', `sine=frequency=${440 + 220 * i}:sample_rate=${i === 0 ? 44100 : 22050}:duration=${duration}`);
    maps.push('-map', `${i + 1}:a`);
    meta.push(`-metadata:s:a:${i}`, `language=${languages[i % languages.length]}`, `-metadata:s:a:${i}`, `title=Track ${i + 1}`);
  }
  if (spec.subtitles) {
    const srt = tempPath(`${name}.srt`);
    await writeFile(srt, '1\n00:00:00,000 --> 00:00:01,000\nHello\n\n2\n00:00:01,000 --> 00:00:02,000\nWorld\n');
    inputs.push('-i', srt);
    maps.push('-map', `${audio + 1}:s`);
    meta.push('-metadata:s:s:0', 'language=eng');
  }
  if (spec.chapters) {
    const metaFile = tempPath(`${name}.ffmeta`);
    const step = Math.floor((duration * 1000) / spec.chapters);
    const chapters = Array.from({ length: spec.chapters }, (_, i) => `[CHAPTER]\nTIMEBASE=1/1000\nSTART=${i * step}\nEND=${(i + 1) * step}\ntitle=Chapter ${i + 1}\n`);
    await writeFile(metaFile, `;FFMETADATA1\n${chapters.join('')}`);
    inputs.push('-f', 'ffmetadata', '-i', metaFile);
    maps.push('-map_chapters', String(audio + (spec.subtitles ? 2 : 1)));
  }
  const video = ['-c:v', codec];
  if (codec === 'libx264') video.push('-preset', 'ultrafast');
  if (spec.pixFmt) video.push('-pix_fmt', spec.pixFmt);
  if (spec.sar) video.push('-vf', `setsar=${spec.sar}`);
  if (spec.colorRange) video.push('-color_range', spec.colorRange);
  if (spec.colorSpace) video.push('-colorspace', spec.colorSpace);
  const other = [
    ...(audio > 0 ? ['-c:a', container === 'avi' ? 'pcm_s16le' : 'aac'] : []),
    ...(spec.subtitles ? ['-c:s', container === 'mkv' ? 'srt' : 'mov_text'] : []),
    ...(spec.faststart ? ['-movflags', '+faststart'] : []),
    ...(spec.extraArgs ?? []),
  ];
  const out = tempPath(`${name}.${container}`);
  const encoded = spec.rotateTag === undefined ? out : tempPath(`${name}.unrotated.${container}`);
  await ffmpeg([...inputs, ...maps, ...video, ...other, ...meta, '-t', String(duration), encoded]);
  if (spec.rotateTag !== undefined) {
    await ffmpeg(['-i', encoded, '-map', '0', '-c', 'copy', '-metadata:s:v:0', `rotate=${spec.rotateTag}`, out]);
  }
  return out;
}

export interface RawClipSpec {
  width: number;
  height: number;
  fps: number;
  /** Layout of the frames handed in. */
  inputPixFmt: string;
  codec: string;
  /** Pixel format the codec stores. */
  codecPixFmt: string;
  container: 'mkv' | 'mp4' | 'mov' | 'avi';
  extraArgs?: string[];
  rotateTag?: number;
}

/** Encodes frames given as raw bytes (through ffmpeg's stdin, waiting for drain) into a clip. */
export async function clipFromFrames(frames: readonly Buffer[], spec: RawClipSpec): Promise<string> {
  const name = `raw-${hash(JSON.stringify(spec) + createHash('sha1').update(Buffer.concat(frames)).digest('hex'))}`;
  const out = tempPath(`${name}.${spec.container}`);
  const encoded = spec.rotateTag === undefined ? out : tempPath(`${name}.unrotated.${spec.container}`);
  const args = [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'rawvideo', '-pix_fmt', spec.inputPixFmt, '-s', `${spec.width}x${spec.height}`, '-r', String(spec.fps), '-i', 'pipe:0',
    '-c:v', spec.codec, '-pix_fmt', spec.codecPixFmt, ...(spec.extraArgs ?? []), encoded,
  ];
  const handle = runFfmpeg(args, { stdin: 'pipe', binary: realBinaries.ffmpeg, task: 'writing a test clip' });
  for (const frame of frames) await handle.write(frame);
  handle.end();
  await handle.done;
  if (spec.rotateTag !== undefined) {
    await ffmpeg(['-i', encoded, '-map', '0', '-c', 'copy', '-metadata:s:v:0', `rotate=${spec.rotateTag}`, out]);
  }
  return out;
}

/** Runs the real ffmpeg (not any fake set by a test) and returns its stdout. */
export async function ffmpeg(args: readonly string[]): Promise<Buffer> {
  const handle = runFfmpeg(['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', ...args], { stdout: 'pipe', binary: realBinaries.ffmpeg, task: 'making a test clip' });
  const chunks: Buffer[] = [];
  handle.stdout?.on('data', (c: Buffer) => chunks.push(c));
  await handle.done;
  return Buffer.concat(chunks);
}

/** ffmpeg's own reading of a file's rotation (clockwise degrees), from its banner: an oracle independent of our probe. */
export async function ffmpegOwnRotation(file: string): Promise<number> {
  const handle = runFfmpeg(['-hide_banner', '-nostdin', '-i', file], { binary: realBinaries.ffmpeg });
  await handle.done.catch(() => {}); // "At least one output file must be specified": exit 1 by design.
  const banner = handle.stderr.all().join('\n');
  const matrix = /displaymatrix: rotation of (-?[\d.]+) degrees/.exec(banner);
  if (!matrix) return 0;
  return (((-Math.round(Number(matrix[1]))) % 360) + 360) % 360;
}

/** A shell script standing in for ffmpeg or ffprobe; `body` runs for everything but `-version`. */
export async function fakeBinary(name: string, body: string): Promise<string> {
  const file = tempPath(`fake-${name}-${hash(body)}`);
  const version = [
    'ffmpeg version 4.1-fake Copyright (c) 2000-2018 the FFmpeg developers',
    'libavutil      56. 22.100 / 56. 22.100',
    'libavfilter     7. 40.101 /  7. 40.101',
  ].join('\n');
  const script = `#!/bin/bash
for a in "$@"; do if [ "$a" = "-version" ]; then printf '%s\\n' '${version.replaceAll("'", '')}'; exit 0; fi; done
${body}
`;
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, script);
  await chmod(tmp, 0o755);
  await rename(tmp, file);
  return file;
}

function hash(text: string): string {
  return createHash('sha1').update(text).digest('hex').slice(0, 12);
}
