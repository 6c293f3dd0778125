import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe } from 'vitest';

/** Project root (the folder holding package.json). */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The one setting through which tests find ../shared (golden vectors, YuNet, media).
 * GPEN_VIDEO_SHARED overrides the default, `../shared` beside the project.
 */
export const sharedDir = path.resolve(projectRoot, process.env.GPEN_VIDEO_SHARED ?? '../shared');
export const hasShared = existsSync(path.join(sharedDir, 'README.md'));
export const sharedSkipReason = `shared data not found at ${sharedDir} (set GPEN_VIDEO_SHARED)`;

export function sharedPath(...parts: string[]): string {
  return path.join(sharedDir, ...parts);
}

/**
 * A describe block that needs ../shared: skipped, with the reason in its title, where the data is absent.
 * .ci/run fails on any skipped test, so CI always runs these.
 */
export function describeShared(name: string, fn: () => void): void {
  if (hasShared) describe(name, fn);
  else describe.skip(`${name} [skipped: ${sharedSkipReason}]`, fn);
}
