import path from 'node:path';
import type { RestoreOptions } from '../options/option-table.ts';
import { restoreImage } from './restore-image.ts';
import { restoreVideo } from './restore-video.ts';
import type { Summary } from './progress.ts';

export interface RestoreRequest {
  input: string;
  output: string;
  options: RestoreOptions;
  overwrite: boolean;
  tracksFile?: string;
  signal?: AbortSignal;
  warn?: (message: string) => void;
}

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.tif', '.tiff']);

export function isImagePath(file: string): boolean {
  return IMAGE_EXTENSIONS.has(path.extname(file).toLowerCase());
}

/** `restore` on a still image writes an image; anything else is treated as a video. */
export function restoreMedia(req: RestoreRequest): Promise<Summary> {
  return isImagePath(req.input) ? restoreImage(req) : restoreVideo(req);
}
