import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { GpenError } from '../errors.ts';
import { listModels, type RegistryEntry } from './registry.ts';
import { sha256File } from './sha256.ts';

export type VerifyStatus = 'ok' | 'mismatch' | 'unknown-checksum' | 'unregistered' | 'partial';

export interface VerifyRow {
  /** Registry name, or null for a file the registry does not know. */
  name: string | null;
  file: string;
  bytes: number;
  expectedBytes: number | null;
  expected: string | null;
  /** Null only for 'partial' rows: an unfinished download is not worth hashing. */
  actual: string | null;
  status: VerifyStatus;
}

export interface VerifyOptions {
  signal?: AbortSignal;
  /** The table to check against (default: the built-in registry). */
  entries?: ReadonlyArray<RegistryEntry>;
}

/**
 * Hashes every model file in `dir`. Registered files are 'ok', 'mismatch' (wrong sha256, or wrong
 * size where only the size is known) or 'unknown-checksum'; other files are 'unregistered', and
 * `<registered file>.part` leftovers are 'partial'. Registry order first, then by file name.
 * A directory that does not exist holds no models: the result is empty.
 */
export async function verifyModels(dir: string, opts: VerifyOptions = {}): Promise<VerifyRow[]> {
  const entries = opts.entries ?? listModels();
  const hashOpts = opts.signal ? { signal: opts.signal } : {};
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new GpenError('E_MODELS_DIR_IO', `Cannot list the models directory ${dir}: ${(e as Error).message}. Check its permissions, or choose another with --models-dir.`, { cause: e });
  }
  const files = new Set<string>();
  const sizes = new Map<string, number>();
  for (const n of names) {
    // Dot-files are OS clutter (.DS_Store), not models.
    if (n.startsWith('.')) continue;
    const s = await stat(path.join(dir, n)).catch(() => null);
    if (s?.isFile()) {
      files.add(n);
      sizes.set(n, s.size);
    }
  }

  const rows: VerifyRow[] = [];
  const claimed = new Set<string>();
  for (const e of entries) {
    if (!files.has(e.file)) continue;
    claimed.add(e.file);
    const bytes = sizes.get(e.file) ?? 0;
    const actual = await sha256File(path.join(dir, e.file), hashOpts);
    let status: VerifyStatus;
    if (e.sha256 !== null) status = actual === e.sha256 ? 'ok' : 'mismatch';
    else if (e.bytes !== null && bytes !== e.bytes) status = 'mismatch';
    else status = 'unknown-checksum';
    rows.push({ name: e.name, file: e.file, bytes, expectedBytes: e.bytes, expected: e.sha256, actual, status });
  }

  for (const f of [...files].filter((f) => !claimed.has(f)).sort()) {
    const bytes = sizes.get(f) ?? 0;
    const partOf = f.endsWith('.part') ? entries.find((e) => `${e.file}.part` === f) : undefined;
    if (partOf) {
      rows.push({ name: partOf.name, file: f, bytes, expectedBytes: partOf.bytes, expected: partOf.sha256, actual: null, status: 'partial' });
      continue;
    }
    const actual = await sha256File(path.join(dir, f), hashOpts);
    rows.push({ name: null, file: f, bytes, expectedBytes: null, expected: null, actual, status: 'unregistered' });
  }
  return rows;
}
