import zlib from 'node:zlib';

/** Test-only builders: a small zip writer and a pickle assembler, so fixtures are made in the tests. */

export interface ZipInput {
  name: string;
  data: Uint8Array;
  deflate?: boolean;
}

export interface ZipOptions {
  /** Write ZIP64 records with saturated 32-bit fields, as a >4 GiB archive would. */
  zip64?: boolean;
  comment?: string;
  /** Align each entry's data to 64 bytes with a local extra field, as torch does. */
  padTo64?: boolean;
}

export function buildZip(inputs: ZipInput[], options: ZipOptions = {}): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const input of inputs) {
    const name = Buffer.from(input.name, 'utf8');
    const body = input.deflate ? zlib.deflateRawSync(input.data) : Buffer.from(input.data);
    const crc = zlib.crc32(input.data);
    // torch aligns data to 64 bytes with an extra field; do the same to exercise local extra lengths.
    let extra = Buffer.alloc(0);
    if (options.padTo64) {
      const pad = (64 - ((offset + 30 + name.length + 4) % 64)) % 64;
      extra = Buffer.alloc(4 + pad);
      extra.writeUInt16LE(0x4246, 0);
      extra.writeUInt16LE(pad, 2);
    }
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(input.deflate ? 8 : 0, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(options.zip64 ? 0xffffffff : body.length, 18);
    local.writeUInt32LE(options.zip64 ? 0xffffffff : input.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(extra.length, 28);
    parts.push(local, name, extra, body);

    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(45, 4);
    cd.writeUInt16LE(45, 6);
    cd.writeUInt16LE(input.deflate ? 8 : 0, 10);
    cd.writeUInt32LE(crc, 16);
    let cdExtra = Buffer.alloc(0);
    if (options.zip64) {
      cd.writeUInt32LE(0xffffffff, 20);
      cd.writeUInt32LE(0xffffffff, 24);
      cd.writeUInt32LE(0xffffffff, 42);
      cdExtra = Buffer.alloc(28);
      cdExtra.writeUInt16LE(0x0001, 0);
      cdExtra.writeUInt16LE(24, 2);
      cdExtra.writeBigUInt64LE(BigInt(input.data.length), 4);
      cdExtra.writeBigUInt64LE(BigInt(body.length), 12);
      cdExtra.writeBigUInt64LE(BigInt(offset), 20);
    } else {
      cd.writeUInt32LE(body.length, 20);
      cd.writeUInt32LE(input.data.length, 24);
      cd.writeUInt32LE(offset, 42);
    }
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt16LE(cdExtra.length, 30);
    central.push(cd, name, cdExtra);
    offset += local.length + name.length + extra.length + body.length;
  }
  const cdBuf = Buffer.concat(central);
  const cdOffset = offset;
  const tail: Buffer[] = [cdBuf];
  if (options.zip64) {
    const rec = Buffer.alloc(56);
    rec.writeUInt32LE(0x06064b50, 0);
    rec.writeBigUInt64LE(44n, 4);
    rec.writeUInt16LE(45, 12);
    rec.writeUInt16LE(45, 14);
    rec.writeBigUInt64LE(BigInt(inputs.length), 24);
    rec.writeBigUInt64LE(BigInt(inputs.length), 32);
    rec.writeBigUInt64LE(BigInt(cdBuf.length), 40);
    rec.writeBigUInt64LE(BigInt(cdOffset), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeBigUInt64LE(BigInt(cdOffset + cdBuf.length), 8);
    locator.writeUInt32LE(1, 16);
    tail.push(rec, locator);
  }
  const comment = Buffer.from(options.comment ?? '', 'utf8');
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(options.zip64 ? 0xffff : inputs.length, 8);
  eocd.writeUInt16LE(options.zip64 ? 0xffff : inputs.length, 10);
  eocd.writeUInt32LE(options.zip64 ? 0xffffffff : cdBuf.length, 12);
  eocd.writeUInt32LE(options.zip64 ? 0xffffffff : cdOffset, 16);
  eocd.writeUInt16LE(comment.length, 20);
  tail.push(eocd, comment);
  return Buffer.concat([...parts, ...tail]);
}

/** Opcode bytes, named as in CPython's pickle module. */
export const OP = {
  MARK: 0x28, STOP: 0x2e, POP: 0x30, POP_MARK: 0x31, DUP: 0x32, FLOAT: 0x46, INT: 0x49, BININT: 0x4a,
  BININT1: 0x4b, LONG: 0x4c, BININT2: 0x4d, NONE: 0x4e, PERSID: 0x50, BINPERSID: 0x51, REDUCE: 0x52,
  STRING: 0x53, BINSTRING: 0x54, SHORT_BINSTRING: 0x55, UNICODE: 0x56, BINUNICODE: 0x58, APPEND: 0x61,
  BUILD: 0x62, GLOBAL: 0x63, DICT: 0x64, EMPTY_DICT: 0x7d, APPENDS: 0x65, GET: 0x67, BINGET: 0x68,
  INST: 0x69, LONG_BINGET: 0x6a, LIST: 0x6c, EMPTY_LIST: 0x5d, PUT: 0x70, BINPUT: 0x71,
  LONG_BINPUT: 0x72, SETITEM: 0x73, TUPLE: 0x74, EMPTY_TUPLE: 0x29, SETITEMS: 0x75, BINFLOAT: 0x47,
  BINBYTES: 0x42, SHORT_BINBYTES: 0x43, PROTO: 0x80, NEWOBJ: 0x81, TUPLE1: 0x85, TUPLE2: 0x86,
  TUPLE3: 0x87, NEWTRUE: 0x88, NEWFALSE: 0x89, LONG1: 0x8a, LONG4: 0x8b, SHORT_BINUNICODE: 0x8c,
  BINUNICODE8: 0x8d, BINBYTES8: 0x8e, EMPTY_SET: 0x8f, ADDITEMS: 0x90, FROZENSET: 0x91, NEWOBJ_EX: 0x92,
  STACK_GLOBAL: 0x93, MEMOIZE: 0x94, FRAME: 0x95, BYTEARRAY8: 0x96, READONLY_BUFFER: 0x98,
} as const;

/** Appends opcodes with their arguments; every method returns `this` so streams read top to bottom. */
export class PickleWriter {
  private readonly out: number[] = [];

  op(...codes: number[]): this {
    this.out.push(...codes);
    return this;
  }

  raw(bytes: Uint8Array | number[]): this {
    this.out.push(...bytes);
    return this;
  }

  line(text: string): this {
    return this.raw(Buffer.from(`${text}\n`, 'latin1'));
  }

  u16(n: number): this {
    return this.raw([n & 0xff, (n >> 8) & 0xff]);
  }

  u32(n: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n >>> 0);
    return this.raw(b);
  }

  u64(n: number): this {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(n));
    return this.raw(b);
  }

  proto(n: number): this {
    return this.op(OP.PROTO, n);
  }

  global(module: string, name: string): this {
    return this.op(OP.GLOBAL).line(module).line(name);
  }

  /** An int with the smallest of BININT1 / BININT2 / BININT. */
  int(n: number): this {
    if (n >= 0 && n < 256) return this.op(OP.BININT1, n);
    if (n >= 0 && n < 65536) return this.op(OP.BININT2).u16(n);
    const b = Buffer.alloc(4);
    b.writeInt32LE(n);
    return this.op(OP.BININT).raw(b);
  }

  str(s: string): this {
    const b = Buffer.from(s, 'utf8');
    return this.op(OP.BINUNICODE).u32(b.length).raw(b);
  }

  shortStr(s: string): this {
    const b = Buffer.from(s, 'utf8');
    return this.op(OP.SHORT_BINUNICODE, b.length).raw(b);
  }

  put(i: number): this {
    return i < 256 ? this.op(OP.BINPUT, i) : this.op(OP.LONG_BINPUT).u32(i);
  }

  get(i: number): this {
    return i < 256 ? this.op(OP.BINGET, i) : this.op(OP.LONG_BINGET).u32(i);
  }

  /** A tuple of ints via MARK … TUPLE (or the short forms, as CPython picks them). */
  intTuple(values: number[]): this {
    if (values.length === 0) return this.op(OP.EMPTY_TUPLE);
    if (values.length > 3) {
      this.op(OP.MARK);
      for (const v of values) this.int(v);
      return this.op(OP.TUPLE);
    }
    for (const v of values) this.int(v);
    return this.op([OP.TUPLE1, OP.TUPLE2, OP.TUPLE3][values.length - 1]!);
  }

  /**
   * What torch.save writes for one tensor:
   * _rebuild_tensor_v2(persistent ('storage', <type>, key, 'cpu', numel), offset, size, stride, False, OrderedDict()).
   */
  tensor(t: { storage: string; key: string; numel: number; offset?: number; size: number[]; stride: number[] }): this {
    this.global('torch._utils', '_rebuild_tensor_v2').op(OP.MARK);
    this.op(OP.MARK).str('storage').global('torch', t.storage).str(t.key).str('cpu').int(t.numel).op(OP.TUPLE, OP.BINPERSID);
    this.int(t.offset ?? 0).intTuple(t.size).intTuple(t.stride).op(OP.NEWFALSE);
    this.global('collections', 'OrderedDict').op(OP.EMPTY_TUPLE, OP.REDUCE);
    return this.op(OP.TUPLE, OP.REDUCE);
  }

  bytes(): Uint8Array {
    return Uint8Array.from(this.out);
  }
}

export type TensorSpec = Parameters<PickleWriter['tensor']>[0];

/** A pickle of OrderedDict{name: tensor} as torch.save(state_dict) writes it. */
export function stateDictPickle(tensors: Record<string, TensorSpec>, p = new PickleWriter().proto(2)): PickleWriter {
  p.global('collections', 'OrderedDict').op(OP.EMPTY_TUPLE, OP.REDUCE).op(OP.MARK);
  for (const [name, spec] of Object.entries(tensors)) p.str(name).tensor(spec);
  return p.op(OP.SETITEMS);
}

export interface CheckpointInput {
  pickle: Uint8Array;
  storages?: Record<string, Uint8Array>;
  archive?: string;
  byteorder?: 'little' | 'big' | string;
  deflate?: boolean;
  zip?: ZipOptions;
}

/** A torch-style zip: <archive>/data.pkl, <archive>/data/<key>, byteorder, version. */
export function buildCheckpoint(input: CheckpointInput): Buffer {
  const archive = input.archive ?? 'archive';
  const entries: ZipInput[] = [{ name: `${archive}/data.pkl`, data: input.pickle, deflate: input.deflate }];
  if (input.byteorder !== undefined) entries.push({ name: `${archive}/byteorder`, data: Buffer.from(input.byteorder) });
  for (const [key, data] of Object.entries(input.storages ?? {})) {
    entries.push({ name: `${archive}/data/${key}`, data, deflate: input.deflate });
  }
  entries.push({ name: `${archive}/version`, data: Buffer.from('3\n') });
  return buildZip(entries, { padTo64: true, ...input.zip });
}

export function f32(values: number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}
