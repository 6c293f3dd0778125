export type TorchDType =
  | 'float32'
  | 'float16'
  | 'bfloat16'
  | 'float64'
  | 'int64'
  | 'int32'
  | 'int16'
  | 'int8'
  | 'uint8'
  | 'bool';

export type TensorData =
  | Float32Array
  | Float64Array
  | BigInt64Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint8Array
  | Uint16Array;

export interface TorchTensor {
  dtype: TorchDType;
  shape: number[];
  /**
   * Contiguous row-major, rebuilt from storage+offset+stride. float16 and bfloat16 hold raw bits.
   * Contiguous tensors are views of the checkpoint buffer (and of each other where they share storage).
   */
  data: TensorData;
}

export type StateDict = Map<string, TorchTensor>;

type TypedArrayCtor = {
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): TensorData;
  new (length: number): TensorData;
  readonly BYTES_PER_ELEMENT: number;
};

const ARRAY_OF: Record<TorchDType, TypedArrayCtor> = {
  float32: Float32Array,
  float16: Uint16Array,
  bfloat16: Uint16Array,
  float64: Float64Array,
  int64: BigInt64Array,
  int32: Int32Array,
  int16: Int16Array,
  int8: Int8Array,
  uint8: Uint8Array,
  bool: Uint8Array,
};

export function elementSize(dtype: TorchDType): number {
  return ARRAY_OF[dtype].BYTES_PER_ELEMENT;
}

export function numelOf(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

/**
 * A typed array over little-endian storage bytes: a view when aligned, else one copy.
 * Big-endian storages are byte-swapped into a copy.
 */
export function storageArray(bytes: Uint8Array, dtype: TorchDType, littleEndian = true): TensorData {
  const Ctor = ARRAY_OF[dtype];
  const size = Ctor.BYTES_PER_ELEMENT;
  const length = Math.floor(bytes.byteLength / size);
  if (littleEndian && bytes.byteOffset % size === 0) return new Ctor(bytes.buffer, bytes.byteOffset, length);
  const copy = new Uint8Array(length * size);
  copy.set(bytes.subarray(0, length * size));
  if (!littleEndian && size > 1) {
    for (let at = 0; at < copy.length; at += size) copy.subarray(at, at + size).reverse();
  }
  return new Ctor(copy.buffer, 0, length);
}

/**
 * Materialises a strided view as a contiguous row-major tensor. Contiguous views stay views;
 * transposed, expanded (stride 0) and sliced ones are gathered into a new array.
 * Throws a RangeError naming the bound when the view does not fit the storage.
 */
export function stridedToContiguous(
  storage: TensorData,
  dtype: TorchDType,
  offset: number,
  shape: readonly number[],
  stride: readonly number[],
): TorchTensor {
  if (shape.length !== stride.length) throw new RangeError(`size has ${shape.length} dims but stride has ${stride.length}`);
  const numel = numelOf(shape);
  const outShape = [...shape];
  if (numel === 0) return { dtype, shape: outShape, data: new ARRAY_OF[dtype](0) };
  let last = offset;
  for (let d = 0; d < shape.length; d++) {
    if (shape[d]! < 0 || stride[d]! < 0) throw new RangeError(`negative size or stride in dim ${d}`);
    last += (shape[d]! - 1) * stride[d]!;
  }
  if (offset < 0 || last >= storage.length) {
    throw new RangeError(`view reaches element ${last} (offset ${offset}) of a storage of ${storage.length} elements`);
  }
  if (isContiguous(shape, stride)) return { dtype, shape: outShape, data: storage.subarray(offset, offset + numel) };

  const out = new ARRAY_OF[dtype](numel) as { [i: number]: number | bigint };
  const src = storage as unknown as { [i: number]: number | bigint };
  const rank = shape.length;
  const index = new Array<number>(rank).fill(0);
  let from = offset;
  for (let i = 0; i < numel; i++) {
    out[i] = src[from]!;
    // Odometer over the indices, innermost first.
    for (let d = rank - 1; d >= 0; d--) {
      from += stride[d]!;
      if (++index[d]! < shape[d]!) break;
      from -= stride[d]! * shape[d]!;
      index[d] = 0;
    }
  }
  return { dtype, shape: outShape, data: out as unknown as TensorData };
}

/** Size-1 dims may carry any stride, as in torch. */
function isContiguous(shape: readonly number[], stride: readonly number[]): boolean {
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && stride[d] !== expected) return false;
    expected *= shape[d]!;
  }
  return true;
}

let halfTable: Float32Array | undefined;

function float16Table(): Float32Array {
  if (halfTable) return halfTable;
  halfTable = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    halfTable[h] =
      exp === 0 ? sign * frac * 2 ** -24
      : exp === 31 ? (frac ? NaN : sign * Infinity)
      : sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  return halfTable;
}

/** float32 data is returned as is (not copied); every other dtype converts into a new array. */
export function toFloat32(t: TorchTensor): Float32Array {
  const { data } = t;
  switch (t.dtype) {
    case 'float32':
      return data as Float32Array;
    case 'float16': {
      const table = float16Table();
      const bits = data as Uint16Array;
      const out = new Float32Array(bits.length);
      for (let i = 0; i < bits.length; i++) out[i] = table[bits[i]!]!;
      return out;
    }
    case 'bfloat16': {
      // bfloat16 is the top half of a float32.
      const bits = data as Uint16Array;
      const out = new Float32Array(bits.length);
      const outBits = new Uint32Array(out.buffer);
      for (let i = 0; i < bits.length; i++) outBits[i] = bits[i]! << 16;
      return out;
    }
    case 'int64': {
      const src = data as BigInt64Array;
      const out = new Float32Array(src.length);
      for (let i = 0; i < src.length; i++) out[i] = Number(src[i]!);
      return out;
    }
    default:
      return Float32Array.from(data as Exclude<TensorData, BigInt64Array>);
  }
}
