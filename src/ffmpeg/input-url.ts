import path from 'node:path';

/**
 * How to name a local file to ffmpeg/ffprobe: absolute, with "file:" so that "clip:2.mp4" is not read
 * as protocol "clip" and "-x.mp4" not as an option. Every path handed to ffmpeg should go through here.
 */
export function ffmpegInputUrl(file: string): string {
  return `file:${path.resolve(file)}`;
}
