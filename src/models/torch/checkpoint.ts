import { readFile } from 'node:fs/promises';
import { ModelError, ModelMissingError } from '../../errors.ts';
import { describe, unpickle } from './pickle.ts';
import { elementSize, storageArray, type StateDict, type TorchTensor } from './tensor.ts';
import { DTypeRef, StorageType, TorchStorage, isTorchTensor, torchGlobals } from './torch-globals.ts';
import { ZipArchive } from './zip-archive.ts';

export interface ReadCheckpointOptions {
  /** Top-level key holding the state_dict (e.g. 'g_ema'); auto-detected when absent. */
  key?: string;
}

/** Nested state_dicts tried, in this order, when a checkpoint holds several: EMA weights first. */
const KNOWN_KEYS = ['g_ema', 'params_ema', 'state_dict', 'params', 'model'];

/** Reads a torch.save zip checkpoint (.pth/.pt) into a state_dict, without Python. */
export async function readCheckpoint(file: string, options: ReadCheckpointOptions = {}): Promise<StateDict> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ModelMissingError(`Checkpoint ${file} does not exist; check the path or download the model`);
    }
    throw new ModelError('E_CHECKPOINT_READ', `Checkpoint ${file} cannot be read: ${(cause as Error).message}`, cause);
  }
  return readCheckpointFromBuffer(buf, file, options);
}

/**
 * As readCheckpoint, from bytes already in memory. Contiguous tensors are views of `buf`,
 * so it stays alive as long as they do.
 */
export function readCheckpointFromBuffer(buf: Buffer, name = '<buffer>', options: ReadCheckpointOptions = {}): StateDict {
  const zip = new ZipArchive(buf, name);
  const pickleName = findPickle(zip, name);
  const prefix = pickleName.slice(0, -'data.pkl'.length);
  const source = `Checkpoint ${name} (${pickleName})`;
  const littleEndian = readByteOrder(zip, prefix, source);

  const storages = new Map<string, TorchStorage>();
  const persistentLoad = (pid: unknown): TorchStorage => {
    const [kind, type, key, , numel] = Array.isArray(pid) ? pid : [];
    const kindText = kind instanceof Uint8Array ? Buffer.from(kind).toString('latin1') : kind;
    if (kindText !== 'storage' || typeof key !== 'string' || typeof numel !== 'number') {
      throw new ModelError('E_CHECKPOINT_PICKLE', `${source}: unexpected persistent id ${describe(pid)}; expected ('storage', type, key, location, numel)`);
    }
    if (!(type instanceof StorageType) && !(type instanceof DTypeRef)) {
      throw new ModelError('E_CHECKPOINT_PICKLE', `${source}: storage '${key}' has type ${describe(type)}, not a torch storage type`);
    }
    const cacheKey = `${type.dtype}:${key}`;
    const cached = storages.get(cacheKey);
    if (cached) return cached;
    const entry = `${prefix}data/${key}`;
    if (!zip.has(entry)) throw new ModelError('E_CHECKPOINT_CORRUPT', `${source}: storage entry '${entry}' is missing`);
    const bytes = zip.read(entry);
    const byteLength = numel * elementSize(type.dtype);
    if (bytes.length < byteLength) {
      throw new ModelError(
        'E_CHECKPOINT_CORRUPT',
        `${source}: storage '${entry}' has ${bytes.length} bytes, ${numel} ${type.dtype} elements need ${byteLength}`,
      );
    }
    const storage = new TorchStorage(key, type.dtype, storageArray(bytes.subarray(0, byteLength), type.dtype, littleEndian));
    storages.set(cacheKey, storage);
    return storage;
  };

  const root = unpickle(zip.read(pickleName), { findGlobal: torchGlobals(source), persistentLoad }, source);
  return selectStateDict(root, `Checkpoint ${name}`, options.key);
}

function findPickle(zip: ZipArchive, name: string): string {
  const candidates = [...zip.entries.keys()].filter((e) => e === 'data.pkl' || e.endsWith('/data.pkl'));
  // The archive's own folder is the shallowest; deeper matches would be nested files.
  candidates.sort((a, b) => a.split('/').length - b.split('/').length);
  const found = candidates[0];
  if (found === undefined) {
    const sample = [...zip.entries.keys()].slice(0, 5).map((e) => `'${e}'`).join(', ');
    throw new ModelError(
      'E_CHECKPOINT_NO_PICKLE',
      `Checkpoint ${name} is a zip without a data.pkl entry (it holds ${zip.entries.size} entries: ${sample || 'none'}), so it was not written by torch.save`,
    );
  }
  if (zip.has(`${found.slice(0, -'data.pkl'.length)}constants.pkl`)) {
    throw new ModelError(
      'E_CHECKPOINT_TORCHSCRIPT',
      `Checkpoint ${name} is a TorchScript archive (torch.jit.save), not a torch.save state_dict; save model.state_dict() with torch.save instead`,
    );
  }
  return found;
}

function readByteOrder(zip: ZipArchive, prefix: string, source: string): boolean {
  const entry = `${prefix}byteorder`;
  if (!zip.has(entry)) return true;
  const order = zip.read(entry).toString('latin1').trim();
  if (order === 'little' || order === 'big') return order === 'little';
  throw new ModelError('E_CHECKPOINT_CORRUPT', `${source}: entry '${entry}' says '${order}', expected 'little' or 'big'`);
}

function asStateDict(v: unknown): StateDict | undefined {
  if (!(v instanceof Map)) return undefined;
  for (const [k, t] of v) if (typeof k !== 'string' || !isTorchTensor(t)) return undefined;
  return v as StateDict;
}

function selectStateDict(root: unknown, where: string, key: string | undefined): StateDict {
  if (!(root instanceof Map)) {
    throw new ModelError('E_CHECKPOINT_KEY', `${where} holds ${describeValue(root)}, not a dict; it is not a state_dict checkpoint`);
  }
  const listing = (): string =>
    [...root].map(([k, v]) => `'${String(k)}' (${describeValue(v)})`).join(', ') || 'none';

  if (key !== undefined) {
    if (!root.has(key)) throw new ModelError('E_CHECKPOINT_KEY', `${where} has no key '${key}'; its keys are: ${listing()}`);
    const nested = asStateDict(root.get(key));
    if (!nested) {
      throw new ModelError('E_CHECKPOINT_KEY', `${where}: '${key}' holds ${describeValue(root.get(key))}, not a dict of tensors; its keys are: ${listing()}`);
    }
    return nested;
  }

  const top = asStateDict(root);
  if (top) return top;
  const nested = [...root].filter(([, v]) => v instanceof Map && v.size > 0 && asStateDict(v));
  if (nested.length === 1) return nested[0]![1] as StateDict;
  if (nested.length > 1) {
    for (const known of KNOWN_KEYS) {
      const hit = nested.find(([k]) => k === known);
      if (hit) return hit[1] as StateDict;
    }
  }
  const why = nested.length > 1 ? 'holds several state_dicts' : 'holds no dict of tensors';
  throw new ModelError('E_CHECKPOINT_KEY', `${where} ${why}; pass the key to use. Its keys are: ${listing()}`);
}

function describeValue(v: unknown): string {
  if (isTorchTensor(v)) return describeTensor(v);
  if (v instanceof Map) {
    let tensors = 0;
    for (const x of v.values()) if (isTorchTensor(x)) tensors++;
    return tensors === v.size ? `dict of ${tensors} tensors` : `dict of ${v.size} entries, ${tensors} tensors`;
  }
  return describe(v);
}

function describeTensor(t: TorchTensor): string {
  return `${t.dtype} tensor [${t.shape.join(', ')}]`;
}
