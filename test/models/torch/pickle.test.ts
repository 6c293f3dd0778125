import { describe, expect, it } from 'vitest';
import { ModelError } from '../../../src/errors.ts';
import { PickleCallable, PickleObject, unpickle, type PickleHooks } from '../../../src/models/torch/pickle.ts';
import { OP, PickleWriter } from './fixtures.ts';

const point = new PickleCallable('test.point', (args, kwargs) => ({ args, kwargs }));
const record = new PickleCallable('test.Record', (args) => new PickleObject('test.Record', args));

const hooks: PickleHooks = {
  findGlobal(module, name) {
    if (module === 'test' && name === 'point') return point;
    if (module === 'test' && name === 'Record') return record;
    throw new ModelError('E_TEST_GLOBAL', `global ${module}.${name}`);
  },
  persistentLoad: (pid) => ({ pid }),
};

const run = (p: PickleWriter): unknown => unpickle(p.op(OP.STOP).bytes(), hooks, 'test.pkl');
const fails = (p: PickleWriter | Uint8Array): ModelError => {
  try {
    unpickle(p instanceof PickleWriter ? p.bytes() : p, hooks, 'test.pkl');
  } catch (e) {
    expect(e).toBeInstanceOf(ModelError);
    return e as ModelError;
  }
  throw new Error('expected unpickle to fail');
};

describe('unpickle: scalars', () => {
  it('reads the binary int forms, including negative and big LONG1/LONG4', () => {
    const p = new PickleWriter().proto(2).op(OP.MARK).int(7).int(300).int(-5).int(100000);
    p.op(OP.LONG1, 0);
    p.op(OP.LONG1, 2, 0x00, 0xff); // -256
    p.op(OP.LONG1, 9).raw([0, 0, 0, 0, 0, 0, 0, 0, 1]); // 2^64
    p.op(OP.LONG4).u32(1).raw([0x80]); // -128
    expect(run(p.op(OP.LIST))).toEqual([7, 300, -5, 100000, 0, -256, 2n ** 64n, -128]);
  });

  it('reads the text forms of protocol 0 (INT, LONG, FLOAT, booleans)', () => {
    const p = new PickleWriter().op(OP.MARK);
    p.op(OP.INT).line('-42').op(OP.INT).line('01').op(OP.INT).line('00');
    p.op(OP.LONG).line('123456789012345678901234567890L');
    p.op(OP.FLOAT).line('2.5').op(OP.FLOAT).line('-1e-3');
    expect(run(p.op(OP.LIST))).toEqual([-42, true, false, 123456789012345678901234567890n, 2.5, -0.001]);
  });

  it('reads BINFLOAT as big-endian and the constants', () => {
    const f = Buffer.alloc(8);
    f.writeDoubleBE(-0.1);
    const p = new PickleWriter().proto(2).op(OP.MARK, OP.BINFLOAT).raw(f).op(OP.NONE, OP.NEWTRUE, OP.NEWFALSE, OP.LIST);
    expect(run(p)).toEqual([-0.1, null, true, false]);
  });

  it('reads every string and bytes form', () => {
    const p = new PickleWriter().proto(4).op(OP.MARK);
    p.str('héllo').shortStr('ünï').op(OP.BINUNICODE8).u64(2).raw(Buffer.from('ok'));
    p.op(OP.UNICODE).line('caf\\u00e9 \\U0001F600');
    p.op(OP.BINSTRING).u32(3).raw(Buffer.from('abc')).op(OP.SHORT_BINSTRING, 2).raw(Buffer.from('xy'));
    p.op(OP.BINBYTES).u32(2).raw([1, 2]).op(OP.SHORT_BINBYTES, 1, 9).op(OP.BINBYTES8).u64(1).raw([7]);
    p.op(OP.BYTEARRAY8).u64(2).raw([5, 6]).op(OP.READONLY_BUFFER);
    const out = run(p.op(OP.LIST)) as unknown[];
    expect(out.slice(0, 6)).toEqual(['héllo', 'ünï', 'ok', 'café 😀', 'abc', 'xy']);
    expect(out.slice(6).map((b) => Array.from(b as Uint8Array))).toEqual([[1, 2], [9], [7], [5, 6]]);
  });
});

describe('unpickle: containers and stack ops', () => {
  it('builds lists, dicts, tuples and sets', () => {
    const p = new PickleWriter().proto(4).op(OP.EMPTY_DICT);
    p.str('list').op(OP.EMPTY_LIST).int(1).op(OP.APPEND, OP.MARK).int(2).int(3).op(OP.APPENDS, OP.SETITEM);
    p.op(OP.MARK).str('t1').int(1).op(OP.TUPLE1).str('t3').int(1).int(2).int(3).op(OP.TUPLE3).op(OP.SETITEMS);
    p.str('dict').op(OP.MARK).str('a').int(1).op(OP.DICT, OP.SETITEM);
    p.str('set').op(OP.EMPTY_SET, OP.MARK).int(4).int(5).op(OP.ADDITEMS, OP.SETITEM);
    p.str('frozen').op(OP.MARK).int(6).op(OP.FROZENSET, OP.SETITEM);
    p.str('tuple').op(OP.MARK).int(1).int(2).int(3).int(4).op(OP.TUPLE, OP.SETITEM);
    const out = run(p) as Map<string, unknown>;
    expect(out.get('list')).toEqual([1, 2, 3]);
    expect(Object.isFrozen(out.get('list'))).toBe(false);
    expect(out.get('t1')).toEqual([1]);
    expect(Object.isFrozen(out.get('t3'))).toBe(true);
    expect(out.get('dict')).toEqual(new Map([['a', 1]]));
    expect(out.get('set')).toEqual(new Set([4, 5]));
    expect(out.get('frozen')).toEqual(new Set([6]));
    expect(out.get('tuple')).toEqual([1, 2, 3, 4]);
  });

  it('shares memoised objects through every PUT/GET form and MEMOIZE', () => {
    const p = new PickleWriter().proto(4).op(OP.MARK);
    p.op(OP.EMPTY_LIST).put(0).op(OP.EMPTY_LIST).put(300).op(OP.EMPTY_LIST, OP.PUT).line('5');
    // MEMOIZE stores at the memo's size: slots 0, 300 and 5 are taken, so slot 3.
    p.op(OP.EMPTY_LIST, OP.MEMOIZE);
    p.get(0).get(300).op(OP.GET).line('5').get(3);
    const out = run(p.op(OP.LIST)) as unknown[][];
    expect(out).toHaveLength(8);
    for (let i = 0; i < 4; i++) expect(out[i + 4]).toBe(out[i]);
  });

  it('handles POP, POP_MARK and DUP', () => {
    const p = new PickleWriter().proto(2).op(OP.MARK).int(1).int(2).op(OP.POP);
    p.op(OP.MARK).int(8).int(9).op(OP.POP_MARK).op(OP.EMPTY_LIST, OP.DUP).op(OP.LIST);
    const out = run(p) as unknown[];
    expect(out).toHaveLength(3);
    expect(out[0]).toBe(1);
    expect(out[1]).toBe(out[2]);
  });

  it('accepts protocol 4 framing and STACK_GLOBAL', () => {
    const body = new PickleWriter().shortStr('test').op(OP.MEMOIZE).shortStr('point').op(OP.MEMOIZE, OP.STACK_GLOBAL);
    body.int(1).op(OP.TUPLE1, OP.REDUCE, OP.STOP);
    const bytes = body.bytes();
    const p = new PickleWriter().proto(4).op(OP.FRAME).u64(bytes.length).raw(bytes);
    expect(unpickle(p.bytes(), hooks, 'x')).toEqual({ args: [1], kwargs: undefined });
  });

  it('calls allow-listed callables through REDUCE, NEWOBJ and NEWOBJ_EX, and applies BUILD to records', () => {
    const p = new PickleWriter().proto(4).op(OP.MARK);
    p.global('test', 'point').int(1).int(2).op(OP.TUPLE2, OP.REDUCE);
    p.global('test', 'point').op(OP.EMPTY_TUPLE, OP.NEWOBJ);
    p.global('test', 'point').int(3).op(OP.TUPLE1).op(OP.EMPTY_DICT).str('k').int(4).op(OP.SETITEM, OP.NEWOBJ_EX);
    p.global('test', 'Record').op(OP.EMPTY_TUPLE, OP.NEWOBJ, OP.EMPTY_DICT).str('lr').int(5).op(OP.SETITEM, OP.BUILD);
    const out = run(p.op(OP.LIST)) as unknown[];
    expect(out[0]).toEqual({ args: [1, 2], kwargs: undefined });
    expect(out[1]).toEqual({ args: [], kwargs: undefined });
    expect(out[2]).toEqual({ args: [3], kwargs: new Map([['k', 4]]) });
    expect(out[3]).toBeInstanceOf(PickleObject);
    expect((out[3] as PickleObject).fields.get('lr')).toBe(5);
  });

  it('passes persistent ids to the hook (BINPERSID and PERSID)', () => {
    const p = new PickleWriter().proto(2).op(OP.MARK).str('a').int(1).op(OP.TUPLE2, OP.BINPERSID);
    p.op(OP.PERSID).line('plain').op(OP.LIST);
    expect(run(p)).toEqual([{ pid: ['a', 1] }, { pid: 'plain' }]);
  });
});

describe('unpickle: errors', () => {
  it('rejects an unknown opcode, naming it and the source', () => {
    const e = fails(new PickleWriter().proto(2).op(0xff));
    expect(e.code).toBe('E_CHECKPOINT_PICKLE');
    expect(e.message).toMatch(/test\.pkl.*unknown pickle opcode 0xff/);
  });

  it('names known opcodes it does not support', () => {
    expect(fails(new PickleWriter().op(OP.INST).line('os').line('system')).message).toMatch(/INST \(0x69\)/);
  });

  it('reports a truncated stream', () => {
    const whole = new PickleWriter().proto(2).str('a longer string').op(OP.STOP).bytes();
    for (const cut of [1, 5, 10, whole.length - 1]) {
      const e = fails(whole.subarray(0, cut));
      expect(e.code).toBe('E_CHECKPOINT_TRUNCATED');
    }
    expect(fails(new PickleWriter().op(OP.GLOBAL).raw(Buffer.from('os'))).code).toBe('E_CHECKPOINT_TRUNCATED');
  });

  it('rejects malformed streams', () => {
    expect(fails(new PickleWriter().proto(6)).message).toMatch(/protocol 6/);
    expect(fails(new PickleWriter().proto(2).get(3)).message).toMatch(/memo slot 3/);
    expect(fails(new PickleWriter().proto(2).op(OP.STOP)).message).toMatch(/empty stack/);
    expect(fails(new PickleWriter().proto(2).op(OP.POP_MARK)).message).toMatch(/no MARK/);
    expect(fails(new PickleWriter().proto(2).int(1).op(OP.EMPTY_TUPLE, OP.REDUCE)).message).toMatch(/not callable/);
    expect(fails(new PickleWriter().proto(2).int(1).int(2).op(OP.APPEND)).message).toMatch(/appends to/);
    expect(fails(new PickleWriter().proto(2).op(OP.EMPTY_LIST).int(1).op(OP.BUILD)).message).toMatch(/BUILD on a list/);
  });

  it('propagates the global hook refusing a global', () => {
    const bytes = new PickleWriter().proto(2).global('os', 'system').str('echo hi').op(OP.TUPLE1, OP.REDUCE, OP.STOP).bytes();
    expect(() => unpickle(bytes, hooks, 't')).toThrow(/global os\.system/);
  });
});
