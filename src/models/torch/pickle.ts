import { ModelError } from '../../errors.ts';

/**
 * A pickle virtual machine for the data a state_dict is made of (protocols 0-5, minus the
 * object-construction opcodes of protocol 0/1 and out-of-band buffers). It never runs code:
 * every GLOBAL is handed to `findGlobal`, which returns an inert value or throws.
 *
 * Python values map to: None → null, bool → boolean, int → number (bigint beyond 2^53),
 * float → number, str → string, bytes → Uint8Array, list → array, tuple → frozen array,
 * dict → Map, set/frozenset → Set.
 */

/** A global that REDUCE / NEWOBJ may call; what it does is decided by whoever allow-listed it. */
export class PickleCallable {
  constructor(
    readonly qualifiedName: string,
    readonly call: (args: readonly unknown[], kwargs?: ReadonlyMap<unknown, unknown>) => unknown,
  ) {}
}

/** An instance of an allow-listed plain class (argparse.Namespace…): its class name and attributes. */
export class PickleObject {
  readonly fields = new Map<string, unknown>();
  constructor(
    readonly className: string,
    readonly args: readonly unknown[] = [],
  ) {}
}

export interface PickleHooks {
  /** The value GLOBAL / STACK_GLOBAL pushes; throws for anything not allow-listed. */
  findGlobal(module: string, name: string): unknown;
  /** The value for a persistent id (BINPERSID / PERSID). */
  persistentLoad(pid: unknown): unknown;
}

const HIGHEST_PROTOCOL = 5;

const UNSUPPORTED: Record<number, string> = {
  0x53: 'STRING',
  0x69: 'INST',
  0x6f: 'OBJ',
  0x82: 'EXT1',
  0x83: 'EXT2',
  0x84: 'EXT4',
  0x97: 'NEXT_BUFFER',
};

export function unpickle(bytes: Uint8Array, hooks: PickleHooks, source: string): unknown {
  return new Machine(bytes, hooks, source).run();
}

class Machine {
  private pos = 0;
  private stack: unknown[] = [];
  private readonly marks: unknown[][] = [];
  private readonly memo = new Map<number, unknown>();
  private readonly view: DataView;
  private opAt = 0;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly hooks: PickleHooks,
    private readonly source: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  run(): unknown {
    for (;;) {
      this.opAt = this.pos;
      const op = this.u8();
      switch (op) {
        case 0x80: { // PROTO
          const proto = this.u8();
          if (proto > HIGHEST_PROTOCOL) throw this.fail(`uses pickle protocol ${proto}; at most ${HIGHEST_PROTOCOL} is supported`);
          break;
        }
        case 0x95: // FRAME: framing only groups bytes that follow inline.
          this.u64();
          break;
        case 0x2e: // STOP
          if (this.stack.length === 0) throw this.fail('STOP with an empty stack');
          return this.stack.pop();

        case 0x28: // MARK
          this.marks.push(this.stack);
          this.stack = [];
          break;
        case 0x30: // POP
          if (this.stack.length > 0) this.pop();
          else this.popMark();
          break;
        case 0x31: // POP_MARK
          this.popMark();
          break;
        case 0x32: // DUP
          this.push(this.top());
          break;

        case 0x4e: this.push(null); break; // NONE
        case 0x88: this.push(true); break; // NEWTRUE
        case 0x89: this.push(false); break; // NEWFALSE
        case 0x4a: this.push(this.view.getInt32(this.take(4), true)); break; // BININT
        case 0x4b: this.push(this.u8()); break; // BININT1
        case 0x4d: this.push(this.view.getUint16(this.take(2), true)); break; // BININT2
        case 0x8a: this.push(this.long(this.u8())); break; // LONG1
        case 0x8b: this.push(this.long(this.u32())); break; // LONG4
        case 0x49: this.push(this.textInt(this.line())); break; // INT
        case 0x4c: this.push(this.textLong(this.line())); break; // LONG
        case 0x47: this.push(this.view.getFloat64(this.take(8), false)); break; // BINFLOAT (big-endian)
        case 0x46: this.push(this.textFloat(this.line())); break; // FLOAT

        case 0x58: this.push(this.utf8(this.u32())); break; // BINUNICODE
        case 0x8c: this.push(this.utf8(this.u8())); break; // SHORT_BINUNICODE
        case 0x8d: this.push(this.utf8(this.u64())); break; // BINUNICODE8
        case 0x56: this.push(rawUnicodeEscape(this.line())); break; // UNICODE
        // Python 2 str: torch.load decodes it as UTF-8.
        case 0x54: this.push(this.utf8(this.i32len())); break; // BINSTRING
        case 0x55: this.push(this.utf8(this.u8())); break; // SHORT_BINSTRING
        case 0x42: this.push(this.raw(this.u32())); break; // BINBYTES
        case 0x43: this.push(this.raw(this.u8())); break; // SHORT_BINBYTES
        case 0x8e: this.push(this.raw(this.u64())); break; // BINBYTES8
        case 0x96: this.push(this.raw(this.u64())); break; // BYTEARRAY8
        case 0x98: this.top(); break; // READONLY_BUFFER

        case 0x7d: this.push(new Map()); break; // EMPTY_DICT
        case 0x5d: this.push([]); break; // EMPTY_LIST
        case 0x29: this.push(Object.freeze([])); break; // EMPTY_TUPLE
        case 0x8f: this.push(new Set()); break; // EMPTY_SET
        case 0x64: this.push(pairsToMap(this.popMark(), this)); break; // DICT
        case 0x6c: this.push(this.popMark()); break; // LIST
        case 0x74: this.push(Object.freeze(this.popMark())); break; // TUPLE
        case 0x85: this.push(Object.freeze(this.popN(1))); break; // TUPLE1
        case 0x86: this.push(Object.freeze(this.popN(2))); break; // TUPLE2
        case 0x87: this.push(Object.freeze(this.popN(3))); break; // TUPLE3
        case 0x91: this.push(new Set(this.popMark())); break; // FROZENSET

        case 0x61: { // APPEND
          const value = this.pop();
          this.list(this.top()).push(value);
          break;
        }
        case 0x65: { // APPENDS
          const items = this.popMark();
          const list = this.list(this.top());
          for (const item of items) list.push(item);
          break;
        }
        case 0x73: { // SETITEM
          const value = this.pop();
          const key = this.pop();
          this.dict(this.top()).set(key, value);
          break;
        }
        case 0x75: { // SETITEMS
          const items = this.popMark();
          const dict = this.dict(this.top());
          if (items.length % 2) throw this.fail('SETITEMS with an odd number of items');
          for (let i = 0; i < items.length; i += 2) dict.set(items[i], items[i + 1]);
          break;
        }
        case 0x90: { // ADDITEMS
          const items = this.popMark();
          const set = this.top();
          if (!(set instanceof Set)) throw this.fail(`ADDITEMS on ${describe(set)}`);
          for (const item of items) set.add(item);
          break;
        }

        case 0x71: this.memo.set(this.u8(), this.top()); break; // BINPUT
        case 0x72: this.memo.set(this.u32(), this.top()); break; // LONG_BINPUT
        case 0x70: this.memo.set(this.textIndex(), this.top()); break; // PUT
        case 0x94: this.memo.set(this.memo.size, this.top()); break; // MEMOIZE
        case 0x68: this.push(this.recall(this.u8())); break; // BINGET
        case 0x6a: this.push(this.recall(this.u32())); break; // LONG_BINGET
        case 0x67: this.push(this.recall(this.textIndex())); break; // GET

        case 0x63: { // GLOBAL
          const module = this.latin1Line();
          const name = this.latin1Line();
          this.push(this.hooks.findGlobal(module, name));
          break;
        }
        case 0x93: { // STACK_GLOBAL
          const name = this.pop();
          const module = this.pop();
          if (typeof module !== 'string' || typeof name !== 'string') throw this.fail('STACK_GLOBAL needs two strings');
          this.push(this.hooks.findGlobal(module, name));
          break;
        }
        case 0x52: { // REDUCE
          const args = this.tuple(this.pop(), 'REDUCE arguments');
          this.push(this.callable(this.pop(), 'REDUCE').call(args));
          break;
        }
        case 0x81: { // NEWOBJ
          const args = this.tuple(this.pop(), 'NEWOBJ arguments');
          this.push(this.callable(this.pop(), 'NEWOBJ').call(args));
          break;
        }
        case 0x92: { // NEWOBJ_EX
          const kwargs = this.pop();
          const args = this.tuple(this.pop(), 'NEWOBJ_EX arguments');
          if (!(kwargs instanceof Map)) throw this.fail(`NEWOBJ_EX keyword arguments are ${describe(kwargs)}`);
          this.push(this.callable(this.pop(), 'NEWOBJ_EX').call(args, kwargs));
          break;
        }
        case 0x62: { // BUILD
          const state = this.pop();
          this.build(this.top(), state);
          break;
        }
        case 0x51: this.push(this.hooks.persistentLoad(this.pop())); break; // BINPERSID
        case 0x50: this.push(this.hooks.persistentLoad(this.latin1Line())); break; // PERSID

        default: {
          const hex = `0x${op.toString(16).padStart(2, '0')}`;
          const known = UNSUPPORTED[op];
          throw this.fail(known ? `uses pickle opcode ${known} (${hex}), which is not supported` : `has unknown pickle opcode ${hex}; the pickle is corrupt or not a state_dict`);
        }
      }
    }
  }

  /** __setstate__ for the inert values we create; torch puts `_metadata` on OrderedDicts this way. */
  private build(obj: unknown, state: unknown): void {
    if (obj instanceof PickleObject) {
      const parts = Array.isArray(state) && Object.isFrozen(state) ? state : [state];
      for (const part of parts) {
        if (part === null) continue;
        if (!(part instanceof Map)) throw this.fail(`BUILD state for ${obj.className} is ${describe(part)}`);
        for (const [k, v] of part) obj.fields.set(String(k), v);
      }
      return;
    }
    // Dict attributes (module version metadata) are not part of the mapping.
    if (obj instanceof Map) return;
    throw this.fail(`BUILD on ${describe(obj)} is not supported`);
  }

  private push(v: unknown): void {
    this.stack.push(v);
  }

  private pop(): unknown {
    if (this.stack.length === 0) throw this.fail('pops an empty stack (or past a MARK)');
    return this.stack.pop();
  }

  private top(): unknown {
    if (this.stack.length === 0) throw this.fail('reads an empty stack');
    return this.stack[this.stack.length - 1];
  }

  private popN(n: number): unknown[] {
    if (this.stack.length < n) throw this.fail(`needs ${n} stack items, has ${this.stack.length}`);
    return this.stack.splice(this.stack.length - n, n);
  }

  private popMark(): unknown[] {
    const items = this.stack;
    const outer = this.marks.pop();
    if (!outer) throw this.fail('has no MARK to pop to');
    this.stack = outer;
    return items;
  }

  private recall(index: number): unknown {
    if (!this.memo.has(index)) throw this.fail(`reads memo slot ${index}, which was never stored`);
    return this.memo.get(index);
  }

  private list(v: unknown): unknown[] {
    if (!Array.isArray(v) || Object.isFrozen(v)) throw this.fail(`appends to ${describe(v)}`);
    return v;
  }

  private dict(v: unknown): Map<unknown, unknown> {
    if (!(v instanceof Map)) throw this.fail(`sets an item on ${describe(v)}`);
    return v;
  }

  private tuple(v: unknown, what: string): readonly unknown[] {
    if (!Array.isArray(v)) throw this.fail(`${what} are ${describe(v)}, not a tuple`);
    return v;
  }

  private callable(v: unknown, op: string): PickleCallable {
    if (!(v instanceof PickleCallable)) throw this.fail(`${op} calls ${describe(v)}, which is not callable`);
    return v;
  }

  /** Bounds-checked advance; returns the start. */
  private take(n: number): number {
    const at = this.pos;
    if (n < 0 || at + n > this.bytes.length) {
      throw new ModelError(
        'E_CHECKPOINT_TRUNCATED',
        `${this.source}: the pickle ends inside the opcode at byte ${this.opAt} (needs ${n} bytes at ${at}, has ${this.bytes.length}); the file is truncated or corrupt`,
      );
    }
    this.pos += n;
    return at;
  }

  private u8(): number {
    return this.bytes[this.take(1)]!;
  }

  private u32(): number {
    return this.view.getUint32(this.take(4), true);
  }

  private i32len(): number {
    const n = this.view.getInt32(this.take(4), true);
    if (n < 0) throw this.fail(`has a negative length ${n}`);
    return n;
  }

  private u64(): number {
    const v = this.view.getBigUint64(this.take(8), true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw this.fail(`has a length ${v} that cannot be right`);
    return Number(v);
  }

  private raw(n: number): Uint8Array {
    const at = this.take(n);
    return this.bytes.slice(at, at + n);
  }

  private utf8(n: number): string {
    const at = this.take(n);
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset + at, n).toString('utf8');
  }

  private line(): Uint8Array {
    const at = this.pos;
    const end = this.bytes.indexOf(0x0a, at);
    if (end < 0) this.take(this.bytes.length - at + 1);
    this.pos = end + 1;
    return this.bytes.subarray(at, end);
  }

  private latin1Line(): string {
    return Buffer.from(this.line()).toString('latin1');
  }

  private textIndex(): number {
    const text = this.latin1Line();
    if (!/^\d+$/.test(text)) throw this.fail(`has a bad memo index '${text}'`);
    return Number(text);
  }

  private textInt(bytes: Uint8Array): number | bigint | boolean {
    const text = Buffer.from(bytes).toString('latin1');
    if (text === '01') return true;
    if (text === '00') return false;
    return this.parseInt(text);
  }

  private textLong(bytes: Uint8Array): number | bigint {
    return this.parseInt(Buffer.from(bytes).toString('latin1').replace(/L$/, ''));
  }

  private parseInt(text: string): number | bigint {
    if (!/^[+-]?\d+$/.test(text)) throw this.fail(`has a bad integer '${text}'`);
    return narrow(BigInt(text));
  }

  private textFloat(bytes: Uint8Array): number {
    const text = Buffer.from(bytes).toString('latin1').trim();
    const v = Number(text);
    if (Number.isNaN(v) && !/^[+-]?nan$/i.test(text)) throw this.fail(`has a bad float '${text}'`);
    return v;
  }

  /** Little-endian two's complement of n bytes. */
  private long(n: number): number | bigint {
    const at = this.take(n);
    if (n === 0) return 0;
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(this.bytes[at + i]!);
    if (this.bytes[at + n - 1]! & 0x80) v -= 1n << BigInt(8 * n);
    return narrow(v);
  }

  fail(message: string): ModelError {
    return new ModelError('E_CHECKPOINT_PICKLE', `${this.source}: pickle opcode at byte ${this.opAt} ${message}`);
  }
}

function narrow(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function pairsToMap(items: unknown[], m: Machine): Map<unknown, unknown> {
  if (items.length % 2) throw m.fail('DICT with an odd number of items');
  const map = new Map<unknown, unknown>();
  for (let i = 0; i < items.length; i += 2) map.set(items[i], items[i + 1]);
  return map;
}

function rawUnicodeEscape(bytes: Uint8Array): string {
  return Buffer.from(bytes)
    .toString('latin1')
    .replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_, u4: string | undefined, u8: string | undefined) =>
      String.fromCodePoint(parseInt((u4 ?? u8)!, 16)),
    );
}

/** A short description of a pickle value for error messages. */
export function describe(v: unknown): string {
  if (v === null) return 'None';
  if (v === undefined) return 'nothing';
  if (v instanceof PickleCallable) return `global ${v.qualifiedName}`;
  if (v instanceof PickleObject) return `a ${v.className} object`;
  if (v instanceof Map) return `a dict of ${v.size}`;
  if (v instanceof Set) return `a set of ${v.size}`;
  if (Array.isArray(v)) return `a ${Object.isFrozen(v) ? 'tuple' : 'list'} of ${v.length}`;
  if (v instanceof Uint8Array) return `${v.length} bytes`;
  if (typeof v === 'string') return `the string '${v.length > 40 ? `${v.slice(0, 40)}…` : v}'`;
  if (typeof v === 'object') return `a ${v.constructor?.name ?? 'value'}`;
  return `the ${typeof v} ${String(v)}`;
}
