import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * One fresh cache of CPU-optimized models for the whole run (the test processes inherit the
 * variable), removed afterwards: tests never write into the user's cache.
 */
export default function setup(): () => void {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gpen-test-ort-cache-'));
  process.env.GPEN_VIDEO_ORT_CACHE = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
