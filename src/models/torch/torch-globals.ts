import { ModelError } from '../../errors.ts';
import { PickleCallable, PickleObject, describe } from './pickle.ts';
import { stridedToContiguous, type TensorData, type TorchDType, type TorchTensor } from './tensor.ts';

/**
 * The allow-list of globals a checkpoint's pickle may name. Each maps to an inert value or to a
 * PickleCallable written here; nothing named by the file is ever looked up or executed, which is
 * what makes loading an untrusted .pth safe.
 */

/** torch.FloatStorage and friends, as named in a persistent id. */
export class StorageType {
  constructor(
    readonly name: string,
    readonly dtype: TorchDType,
  ) {}
}

/** torch.float32 and friends. */
export class DTypeRef {
  constructor(readonly dtype: TorchDType) {}
}

/** A storage loaded from data/<key>, already a typed array in host byte order. */
export class TorchStorage {
  constructor(
    readonly key: string,
    readonly dtype: TorchDType,
    readonly data: TensorData,
  ) {}
}

const STORAGE_TYPES: Record<string, TorchDType> = {
  FloatStorage: 'float32',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  DoubleStorage: 'float64',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
  // Raw bytes: torch loads untyped storages as uint8.
  UntypedStorage: 'uint8',
};

const DTYPES: Record<string, TorchDType> = {
  float32: 'float32',
  float: 'float32',
  float16: 'float16',
  half: 'float16',
  bfloat16: 'bfloat16',
  float64: 'float64',
  double: 'float64',
  int64: 'int64',
  long: 'int64',
  int32: 'int32',
  int: 'int32',
  int16: 'int16',
  short: 'int16',
  int8: 'int8',
  uint8: 'uint8',
  bool: 'bool',
};

/** Plain classes whose instances become PickleObject records. */
const RECORD_CLASSES = new Set(['argparse.Namespace', 'types.SimpleNamespace']);

export function isTorchTensor(v: unknown): v is TorchTensor {
  return (
    typeof v === 'object' &&
    v !== null &&
    Object.getPrototypeOf(v) === Object.prototype &&
    typeof (v as TorchTensor).dtype === 'string' &&
    Array.isArray((v as TorchTensor).shape) &&
    ArrayBuffer.isView((v as TorchTensor).data)
  );
}

/** Returns the GLOBAL resolver for one checkpoint; `source` names it in errors. */
export function torchGlobals(source: string): (module: string, name: string) => unknown {
  const fail = (message: string): ModelError => new ModelError('E_CHECKPOINT_PICKLE', `${source}: ${message}`);

  const int = (v: unknown, what: string, fn: string): number => {
    if (typeof v !== 'number' || !Number.isInteger(v)) throw fail(`${fn}: ${what} is ${describe(v)}, not an integer`);
    return v;
  };
  const ints = (v: unknown, what: string, fn: string): number[] => {
    if (!Array.isArray(v)) throw fail(`${fn}: ${what} is ${describe(v)}, not a tuple`);
    return v.map((x) => int(x, what, fn));
  };
  const tensor = (v: unknown, fn: string): TorchTensor => {
    if (!isTorchTensor(v)) throw fail(`${fn}: expected a tensor, got ${describe(v)}`);
    return v;
  };

  const rebuildTensor = (name: string) =>
    new PickleCallable(`torch._utils.${name}`, (args) => {
      const [storage, offset, size, stride] = args;
      if (!(storage instanceof TorchStorage)) throw fail(`${name}: storage is ${describe(storage)}`);
      const shape = ints(size, 'size', name);
      const strides = ints(stride, 'stride', name);
      try {
        return stridedToContiguous(storage.data, storage.dtype, int(offset, 'storage_offset', name), shape, strides);
      } catch (cause) {
        if (!(cause instanceof RangeError)) throw cause;
        throw new ModelError(
          'E_CHECKPOINT_CORRUPT',
          `${source}: tensor of shape [${shape.join(', ')}] on storage '${storage.key}' does not fit it: ${cause.message}`,
          cause,
        );
      }
    });

  const parameter = (name: string) =>
    new PickleCallable(`torch._utils.${name}`, (args) => tensor(args[0], name));

  const sequence = (v: unknown, fn: string): unknown[] => {
    if (v === undefined) return [];
    if (Array.isArray(v)) return [...v];
    if (v instanceof Set) return [...v];
    if (v instanceof Map) return [...v.keys()];
    throw fail(`${fn}: cannot iterate ${describe(v)}`);
  };

  const toMap = (args: readonly unknown[], kwargs?: ReadonlyMap<unknown, unknown>): Map<unknown, unknown> => {
    const [init] = args;
    const map =
      init instanceof Map ? new Map(init)
      : new Map(sequence(init, 'dict').map((pair) => {
          if (!Array.isArray(pair) || pair.length !== 2) throw fail(`dict: item ${describe(pair)} is not a pair`);
          return [pair[0], pair[1]] as [unknown, unknown];
        }));
    for (const [k, v] of kwargs ?? []) map.set(k, v);
    return map;
  };

  const builtins: Record<string, PickleCallable> = {
    set: new PickleCallable('builtins.set', (args) => new Set(sequence(args[0], 'set'))),
    frozenset: new PickleCallable('builtins.frozenset', (args) => new Set(sequence(args[0], 'frozenset'))),
    list: new PickleCallable('builtins.list', (args) => sequence(args[0], 'list')),
    tuple: new PickleCallable('builtins.tuple', (args) => Object.freeze(sequence(args[0], 'tuple'))),
    dict: new PickleCallable('builtins.dict', toMap),
  };

  const globals: Record<string, unknown> = {
    'collections.OrderedDict': new PickleCallable('collections.OrderedDict', toMap),
    'torch._utils._rebuild_tensor': rebuildTensor('_rebuild_tensor'),
    'torch._utils._rebuild_tensor_v2': rebuildTensor('_rebuild_tensor_v2'),
    'torch._utils._rebuild_parameter': parameter('_rebuild_parameter'),
    'torch._utils._rebuild_parameter_with_state': parameter('_rebuild_parameter_with_state'),
    'torch.Size': new PickleCallable('torch.Size', (args) => Object.freeze(ints(sequence(args[0], 'torch.Size'), 'dim', 'torch.Size'))),
    // Protocol 2 spells bytes as _codecs.encode(text, 'latin1').
    '_codecs.encode': new PickleCallable('_codecs.encode', (args) => {
      const [text, encoding] = args;
      if (typeof text !== 'string' || (encoding !== 'latin1' && encoding !== 'latin-1')) {
        throw fail(`_codecs.encode is only supported for (str, 'latin1'), got ${describe(text)}, ${describe(encoding)}`);
      }
      return new Uint8Array(Buffer.from(text, 'latin1'));
    }),
  };
  for (const [name, fn] of Object.entries(builtins)) {
    globals[`builtins.${name}`] = fn;
    // Python 3 writes builtins as __builtin__ under protocols < 3.
    globals[`__builtin__.${name}`] = fn;
  }
  for (const [name, dtype] of Object.entries(STORAGE_TYPES)) {
    globals[`torch.${name}`] = new StorageType(name, dtype);
    globals[`torch.storage.${name}`] = globals[`torch.${name}`];
  }
  for (const [name, dtype] of Object.entries(DTYPES)) globals[`torch.${name}`] ??= new DTypeRef(dtype);
  for (const name of RECORD_CLASSES) {
    globals[name] = new PickleCallable(name, (args, kwargs) => {
      const obj = new PickleObject(name, args);
      for (const [k, v] of kwargs ?? []) obj.fields.set(String(k), v);
      return obj;
    });
  }

  return (module, name) => {
    const qualified = `${module}.${name}`;
    if (Object.hasOwn(globals, qualified)) return globals[qualified];
    throw new ModelError(
      'E_CHECKPOINT_GLOBAL',
      `${source}: the pickle names the global '${qualified}', which is not allowed in a checkpoint (only tensors, ` +
        'storages and plain containers are). Nothing was executed. If you trust the file, re-save just the weights: ' +
        'torch.save(model.state_dict(), path).',
    );
  };
}
