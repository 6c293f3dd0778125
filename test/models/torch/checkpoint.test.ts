import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GpenError, ModelError, ModelMissingError } from '../../../src/errors.ts';
import { readCheckpoint, readCheckpointFromBuffer, toFloat32, type StateDict } from '../../../src/models/torch/index.ts';
import { buildCheckpoint, buildZip, f32, OP, PickleWriter, stateDictPickle, type CheckpointInput, type TensorSpec } from './fixtures.ts';

const NAME = 'synthetic.pth';
const load = (buf: Buffer, key?: string): StateDict => readCheckpointFromBuffer(buf, NAME, key === undefined ? {} : { key });
const values = (sd: StateDict, key: string): number[] => Array.from(toFloat32(sd.get(key)!));

function errorOf(fn: () => unknown): GpenError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ModelError);
    expect((e as Error).message).toContain(NAME);
    return e as GpenError;
  }
  throw new Error('expected a ModelError');
}

/** A one-pickle checkpoint whose root is `tensors` as an OrderedDict. */
function checkpoint(tensors: Record<string, TensorSpec>, storages: Record<string, Uint8Array>, extra: Partial<CheckpointInput> = {}): Buffer {
  return buildCheckpoint({ pickle: stateDictPickle(tensors).op(OP.STOP).bytes(), storages, ...extra });
}

const linear: Record<string, TensorSpec> = {
  'fc.weight': { storage: 'FloatStorage', key: '0', numel: 6, size: [2, 3], stride: [3, 1] },
  'fc.bias': { storage: 'FloatStorage', key: '1', numel: 2, size: [2], stride: [1] },
};
const linearData = { '0': f32([1, 2, 3, 4, 5, 6]), '1': f32([-0.5, 0.25]) };

describe('readCheckpointFromBuffer: tensors', () => {
  it('reads an OrderedDict of float32 tensors as views of the file buffer', () => {
    const buf = checkpoint(linear, linearData);
    const sd = load(buf);
    expect([...sd.keys()]).toEqual(['fc.weight', 'fc.bias']);
    const w = sd.get('fc.weight')!;
    expect(w.dtype).toBe('float32');
    expect(w.shape).toEqual([2, 3]);
    expect([...w.data]).toEqual([1, 2, 3, 4, 5, 6]);
    expect(w.data.buffer).toBe(buf.buffer);
    expect(values(sd, 'fc.bias')).toEqual([-0.5, 0.25]);
  });

  it('keeps float16 storages as bits and converts them with toFloat32', () => {
    const bits = new Uint8Array(Uint16Array.of(0x3c00, 0xc000, 0x3800, 0x7bff).buffer);
    const sd = load(checkpoint({ h: { storage: 'HalfStorage', key: '0', numel: 4, size: [2, 2], stride: [2, 1] } }, { '0': bits }));
    const h = sd.get('h')!;
    expect(h.dtype).toBe('float16');
    expect(h.data).toBeInstanceOf(Uint16Array);
    expect([...h.data]).toEqual([0x3c00, 0xc000, 0x3800, 0x7bff]);
    expect(values(sd, 'h')).toEqual([1, -2, 0.5, 65504]);
  });

  it('reads the other storage types with their dtypes', () => {
    const sd = load(
      checkpoint(
        {
          bf: { storage: 'BFloat16Storage', key: 'bf', numel: 2, size: [2], stride: [1] },
          f64: { storage: 'DoubleStorage', key: 'f64', numel: 1, size: [1], stride: [1] },
          steps: { storage: 'LongStorage', key: 'steps', numel: 1, size: [], stride: [] },
          i32: { storage: 'IntStorage', key: 'i32', numel: 2, size: [2], stride: [1] },
          i16: { storage: 'ShortStorage', key: 'i16', numel: 1, size: [1], stride: [1] },
          i8: { storage: 'CharStorage', key: 'i8', numel: 1, size: [1], stride: [1] },
          u8: { storage: 'ByteStorage', key: 'u8', numel: 1, size: [1], stride: [1] },
          mask: { storage: 'BoolStorage', key: 'mask', numel: 3, size: [3], stride: [1] },
        },
        {
          bf: new Uint8Array(Uint16Array.of(0x3f80, 0xc040).buffer),
          f64: new Uint8Array(Float64Array.of(0.1).buffer),
          steps: new Uint8Array(BigInt64Array.of(12345678901n).buffer),
          i32: new Uint8Array(Int32Array.of(-1, 7).buffer),
          i16: new Uint8Array(Int16Array.of(-300).buffer),
          i8: Uint8Array.of(0xfe),
          u8: Uint8Array.of(200),
          mask: Uint8Array.of(1, 0, 1),
        },
      ),
    );
    const dtypes = Object.fromEntries([...sd].map(([k, t]) => [k, t.dtype]));
    expect(dtypes).toEqual({ bf: 'bfloat16', f64: 'float64', steps: 'int64', i32: 'int32', i16: 'int16', i8: 'int8', u8: 'uint8', mask: 'bool' });
    expect(values(sd, 'bf')).toEqual([1, -3]);
    expect(sd.get('f64')!.data[0]).toBe(0.1);
    expect(sd.get('steps')!.shape).toEqual([]);
    expect(sd.get('steps')!.data[0]).toBe(12345678901n);
    expect(values(sd, 'i32')).toEqual([-1, 7]);
    expect(values(sd, 'i16')).toEqual([-300]);
    expect(values(sd, 'i8')).toEqual([-2]);
    expect(values(sd, 'mask')).toEqual([1, 0, 1]);
  });

  it('makes a transposed (non-contiguous) tensor contiguous', () => {
    const sd = load(checkpoint({ t: { storage: 'FloatStorage', key: '0', numel: 6, size: [3, 2], stride: [1, 3] } }, { '0': f32([0, 1, 2, 3, 4, 5]) }));
    expect(sd.get('t')!.shape).toEqual([3, 2]);
    expect(values(sd, 't')).toEqual([0, 3, 1, 4, 2, 5]);
  });

  it('honours storage_offset, reading a shared storage once', () => {
    const buf = checkpoint(
      {
        head: { storage: 'FloatStorage', key: '0', numel: 8, offset: 0, size: [2], stride: [1] },
        rest: { storage: 'FloatStorage', key: '0', numel: 8, offset: 2, size: [3, 2], stride: [2, 1] },
        col: { storage: 'FloatStorage', key: '0', numel: 8, offset: 3, size: [2], stride: [4] },
      },
      { '0': f32([10, 11, 12, 13, 14, 15, 16, 17]) },
    );
    const sd = load(buf);
    expect(values(sd, 'head')).toEqual([10, 11]);
    expect(values(sd, 'rest')).toEqual([12, 13, 14, 15, 16, 17]);
    expect(values(sd, 'col')).toEqual([13, 17]);
    expect(sd.get('rest')!.data.buffer).toBe(sd.get('head')!.data.buffer);
  });

  it('materialises expanded (stride 0) tensors', () => {
    const sd = load(checkpoint({ e: { storage: 'FloatStorage', key: '0', numel: 3, size: [2, 3], stride: [0, 1] } }, { '0': f32([1, 2, 3]) }));
    expect(values(sd, 'e')).toEqual([1, 2, 3, 1, 2, 3]);
  });

  it('unwraps nn.Parameter (_rebuild_parameter)', () => {
    const p = new PickleWriter().proto(2).op(OP.EMPTY_DICT).str('w');
    p.global('torch._utils', '_rebuild_parameter').tensor(linear['fc.bias']!).op(OP.NEWTRUE);
    p.global('collections', 'OrderedDict').op(OP.EMPTY_TUPLE, OP.REDUCE, OP.TUPLE3, OP.REDUCE, OP.SETITEM, OP.STOP);
    expect(values(load(buildCheckpoint({ pickle: p.bytes(), storages: linearData })), 'w')).toEqual([-0.5, 0.25]);
  });

  it('ignores the _metadata torch attaches to a state_dict with BUILD', () => {
    const p = stateDictPickle(linear);
    p.op(OP.EMPTY_DICT).str('_metadata').global('collections', 'OrderedDict').op(OP.EMPTY_TUPLE, OP.REDUCE);
    p.str('').op(OP.EMPTY_DICT).str('version').int(1).op(OP.SETITEM, OP.SETITEM, OP.SETITEM, OP.BUILD, OP.STOP);
    expect([...load(buildCheckpoint({ pickle: p.bytes(), storages: linearData })).keys()]).toEqual(['fc.weight', 'fc.bias']);
  });
});

describe('readCheckpointFromBuffer: containers', () => {
  /** {name: state_dict | int} at the top level. */
  function nested(items: Record<string, 'sd' | number>, extra?: (p: PickleWriter) => void): Buffer {
    const p = new PickleWriter().proto(2).op(OP.EMPTY_DICT, OP.MARK);
    for (const [name, v] of Object.entries(items)) {
      p.str(name);
      if (v === 'sd') stateDictPickle({ [`${name}.w`]: linear['fc.bias']! }, p);
      else p.int(v);
    }
    extra?.(p);
    return buildCheckpoint({ pickle: p.op(OP.SETITEMS, OP.STOP).bytes(), storages: linearData });
  }

  it('finds a single nested state_dict, e.g. g_ema', () => {
    expect([...load(nested({ g_ema: 'sd', iter: 5 })).keys()]).toEqual(['g_ema.w']);
  });

  it('prefers the EMA weights among known keys, and takes an explicit key', () => {
    const buf = nested({ g: 'sd', d: 'sd', g_ema: 'sd', iter: 5 });
    expect([...load(buf).keys()]).toEqual(['g_ema.w']);
    expect([...load(buf, 'g').keys()]).toEqual(['g.w']);
    expect([...load(nested({ params: 'sd', params_ema: 'sd' })).keys()]).toEqual(['params_ema.w']);
  });

  it('lists the keys when the choice is ambiguous or the key is wrong', () => {
    const e1 = errorOf(() => load(nested({ a: 'sd', b: 'sd' })));
    expect(e1.code).toBe('E_CHECKPOINT_KEY');
    expect(e1.message).toMatch(/several state_dicts.*'a' \(dict of 1 tensors\), 'b' \(dict of 1 tensors\)/);
    const e2 = errorOf(() => load(nested({ g_ema: 'sd', iter: 5 }), 'params'));
    expect(e2.message).toMatch(/no key 'params'.*'g_ema' \(dict of 1 tensors\), 'iter' \(the number 5\)/);
    expect(errorOf(() => load(nested({ g_ema: 'sd', iter: 5 }), 'iter')).message).toMatch(/'iter' holds the number 5/);
    expect(errorOf(() => load(nested({ iter: 5 }))).message).toMatch(/no dict of tensors/);
  });

  it('accepts argparse.Namespace, sets and torch.Size beside the weights', () => {
    const buf = nested({ state_dict: 'sd' }, (p) => {
      p.str('args').global('argparse', 'Namespace').op(OP.EMPTY_TUPLE, OP.NEWOBJ, OP.EMPTY_DICT).str('lr').int(3).op(OP.SETITEM, OP.BUILD);
      p.str('seen').global('__builtin__', 'set').op(OP.EMPTY_LIST).int(1).op(OP.APPEND, OP.TUPLE1, OP.REDUCE);
      p.str('shape').global('torch', 'Size').intTuple([1, 3]).op(OP.TUPLE1, OP.REDUCE);
      p.str('blob').global('_codecs', 'encode').str('\u00ff').str('latin1').op(OP.TUPLE2, OP.REDUCE);
    });
    expect([...load(buf).keys()]).toEqual(['state_dict.w']);
  });

  it('rejects a root that is not a dict', () => {
    const p = new PickleWriter().proto(2).op(OP.EMPTY_LIST, OP.STOP);
    expect(errorOf(() => load(buildCheckpoint({ pickle: p.bytes() }))).message).toMatch(/holds a list of 0, not a dict/);
  });
});

describe('readCheckpointFromBuffer: archive variants', () => {
  it('reads deflate-compressed entries', () => {
    const sd = load(checkpoint(linear, linearData, { deflate: true }));
    expect(values(sd, 'fc.weight')).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('reads ZIP64 archives', () => {
    expect(values(load(checkpoint(linear, linearData, { zip: { zip64: true } })), 'fc.bias')).toEqual([-0.5, 0.25]);
  });

  it('finds data.pkl under any archive folder name', () => {
    expect(load(checkpoint(linear, linearData, { archive: 'GPEN-BFR-512' })).size).toBe(2);
  });

  it('byte-swaps big-endian checkpoints', () => {
    const be = Buffer.alloc(8);
    be.writeFloatBE(-0.5, 0);
    be.writeFloatBE(0.25, 4);
    const sd = load(checkpoint({ b: linear['fc.bias']! }, { '1': be }, { byteorder: 'big' }));
    expect(values(sd, 'b')).toEqual([-0.5, 0.25]);
    expect(values(load(checkpoint({ b: linear['fc.bias']! }, linearData, { byteorder: 'little' })), 'b')).toEqual([-0.5, 0.25]);
    expect(errorOf(() => load(checkpoint(linear, linearData, { byteorder: 'middle' }))).code).toBe('E_CHECKPOINT_CORRUPT');
  });
});

describe('readCheckpointFromBuffer: refusing unsafe pickles', () => {
  const witness = path.join(mkdtempSync(path.join(os.tmpdir(), 'torch-ckpt-')), 'pwned');

  const payloads: [string, PickleWriter][] = [
    ['os.system', new PickleWriter().proto(2).global('os', 'system').str(`touch ${witness}`).op(OP.TUPLE1, OP.REDUCE)],
    ['posix.system', new PickleWriter().proto(2).global('posix', 'system').str(`touch ${witness}`).op(OP.TUPLE1, OP.REDUCE)],
    [
      'builtins.eval',
      new PickleWriter().proto(4).shortStr('builtins').shortStr('eval').op(OP.STACK_GLOBAL).str('1').op(OP.TUPLE1, OP.REDUCE),
    ],
    ['builtins.getattr', new PickleWriter().proto(2).global('builtins', 'getattr')],
    ['torch.storage._load_from_bytes', new PickleWriter().proto(2).global('torch.storage', '_load_from_bytes')],
    ['torch.load', new PickleWriter().proto(2).global('torch', 'load')],
  ];

  for (const [name, payload] of payloads) {
    it(`refuses the global ${name} and runs nothing`, () => {
      const buf = buildCheckpoint({ pickle: payload.op(OP.STOP).bytes() });
      const e = errorOf(() => load(buf));
      expect(e.code).toBe('E_CHECKPOINT_GLOBAL');
      expect(e.message).toContain(`'${name}'`);
      expect(existsSync(witness)).toBe(false);
    });
  }

  it('refuses a disallowed global nested deep inside a valid state_dict', () => {
    const p = stateDictPickle(linear);
    p.str('evil').global('subprocess', 'Popen').str('true').op(OP.TUPLE1, OP.REDUCE, OP.SETITEM, OP.STOP);
    expect(errorOf(() => load(buildCheckpoint({ pickle: p.bytes(), storages: linearData }))).message).toContain("'subprocess.Popen'");
  });
});

describe('readCheckpointFromBuffer: broken files', () => {
  it('rejects a file that is not a zip', () => {
    expect(errorOf(() => load(Buffer.from('<html>404 not found</html>'))).code).toBe('E_CHECKPOINT_NOT_ZIP');
  });

  it('rejects a truncated checkpoint', () => {
    const buf = checkpoint(linear, linearData);
    for (const length of [buf.length - 10, Math.floor(buf.length / 2), 40]) {
      expect(errorOf(() => load(buf.subarray(0, length))).code).toBe('E_CHECKPOINT_TRUNCATED');
    }
  });

  it('rejects a truncated pickle stream', () => {
    const pickle = stateDictPickle(linear).op(OP.STOP).bytes();
    expect(errorOf(() => load(buildCheckpoint({ pickle: pickle.subarray(0, 100), storages: linearData }))).code).toBe('E_CHECKPOINT_TRUNCATED');
  });

  it('rejects a zip without data.pkl, and TorchScript archives', () => {
    const plain = buildZip([{ name: 'weights/readme.txt', data: Buffer.from('hi') }]);
    const e = errorOf(() => load(plain));
    expect(e.code).toBe('E_CHECKPOINT_NO_PICKLE');
    expect(e.message).toContain("'weights/readme.txt'");
    const script = buildZip([
      { name: 'm/data.pkl', data: stateDictPickle({}).op(OP.STOP).bytes() },
      { name: 'm/constants.pkl', data: Uint8Array.of(OP.PROTO, 2, OP.EMPTY_TUPLE, OP.STOP) },
    ]);
    expect(errorOf(() => load(script)).code).toBe('E_CHECKPOINT_TORCHSCRIPT');
  });

  it('rejects an unknown opcode', () => {
    const e = errorOf(() => load(buildCheckpoint({ pickle: Uint8Array.of(OP.PROTO, 2, 0xfe, OP.STOP) })));
    expect(e.code).toBe('E_CHECKPOINT_PICKLE');
    expect(e.message).toMatch(/archive\/data\.pkl.*unknown pickle opcode 0xfe/);
  });

  it('rejects missing, short or overrun storages', () => {
    expect(errorOf(() => load(checkpoint(linear, { '0': linearData['0'] }))).message).toMatch(/storage entry 'archive\/data\/1' is missing/);
    expect(errorOf(() => load(checkpoint(linear, { ...linearData, '1': f32([1]) }))).message).toMatch(/has 4 bytes, 2 float32 elements need 8/);
    const overrun = checkpoint({ t: { storage: 'FloatStorage', key: '1', numel: 2, offset: 1, size: [2], stride: [1] } }, linearData);
    expect(errorOf(() => load(overrun)).code).toBe('E_CHECKPOINT_CORRUPT');
  });

  it('rejects persistent ids that are not storages', () => {
    const p = new PickleWriter().proto(2).op(OP.MARK).str('module').str('x').op(OP.TUPLE, OP.BINPERSID, OP.STOP);
    expect(errorOf(() => load(buildCheckpoint({ pickle: p.bytes() }))).message).toMatch(/unexpected persistent id/);
  });
});

describe('readCheckpoint', () => {
  it('reads a checkpoint file and reports a missing one as ModelMissingError', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'torch-ckpt-'));
    const file = path.join(dir, 'model.pth');
    writeFileSync(file, checkpoint(linear, linearData));
    const sd = await readCheckpoint(file);
    expect(values(sd, 'fc.weight')).toEqual([1, 2, 3, 4, 5, 6]);
    await expect(readCheckpoint(path.join(dir, 'absent.pth'))).rejects.toBeInstanceOf(ModelMissingError);
    await expect(readCheckpoint(dir)).rejects.toMatchObject({ code: 'E_CHECKPOINT_READ' });
  });
});
