import { describe, expect, it } from 'vitest';
import { storageArray, stridedToContiguous, toFloat32, type TorchTensor } from '../../../src/models/torch/tensor.ts';

const range = (n: number): Float32Array => Float32Array.from({ length: n }, (_, i) => i);

describe('toFloat32', () => {
  it('returns float32 data itself, without copying', () => {
    const data = Float32Array.of(1, 2, 3);
    expect(toFloat32({ dtype: 'float32', shape: [3], data })).toBe(data);
  });

  it('decodes float16 bits: normals, subnormals, signed zero, infinities, NaN', () => {
    const bits = Uint16Array.of(0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0x03ff, 0x8000, 0x7c00, 0xfc00, 0x7e00, 0x3555);
    const out = toFloat32({ dtype: 'float16', shape: [bits.length], data: bits });
    expect(Array.from(out.subarray(0, 4))).toEqual([1, -2, 0.5, 65504]);
    expect(out[4]).toBe(2 ** -24);
    expect(out[5]).toBe(1023 * 2 ** -24);
    expect(Object.is(out[6], -0)).toBe(true);
    expect(out[7]).toBe(Infinity);
    expect(out[8]).toBe(-Infinity);
    expect(out[9]).toBeNaN();
    expect(out[10]).toBeCloseTo(1 / 3, 3);
  });

  it('decodes bfloat16 bits as the top half of a float32', () => {
    const bits = Uint16Array.of(0x3f80, 0xc040, 0x3e20, 0x7f80, 0x0000);
    const out = toFloat32({ dtype: 'bfloat16', shape: [5], data: bits });
    expect(Array.from(out)).toEqual([1, -3, 0.15625, Infinity, 0]);
  });

  it('converts float64 and integer dtypes', () => {
    const cases: [TorchTensor, number[]][] = [
      [{ dtype: 'float64', shape: [2], data: Float64Array.of(0.25, -1e3) }, [0.25, -1000]],
      [{ dtype: 'int64', shape: [2], data: BigInt64Array.of(-5n, 1n << 40n) }, [-5, 2 ** 40]],
      [{ dtype: 'int32', shape: [2], data: Int32Array.of(-7, 123456) }, [-7, 123456]],
      [{ dtype: 'int16', shape: [1], data: Int16Array.of(-300) }, [-300]],
      [{ dtype: 'int8', shape: [2], data: Int8Array.of(-128, 127) }, [-128, 127]],
      [{ dtype: 'uint8', shape: [1], data: Uint8Array.of(255) }, [255]],
      [{ dtype: 'bool', shape: [2], data: Uint8Array.of(1, 0) }, [1, 0]],
    ];
    for (const [t, want] of cases) {
      const out = toFloat32(t);
      expect(out).toBeInstanceOf(Float32Array);
      expect(Array.from(out)).toEqual(want);
    }
  });
});

describe('stridedToContiguous', () => {
  it('keeps a contiguous view as a view of the storage', () => {
    const storage = range(10);
    const t = stridedToContiguous(storage, 'float32', 2, [2, 3], [3, 1]);
    expect([...t.data]).toEqual([2, 3, 4, 5, 6, 7]);
    expect(t.data.buffer).toBe(storage.buffer);
    expect(t.shape).toEqual([2, 3]);
  });

  it('gathers a transposed view in row-major order', () => {
    // storage is a 2x3 matrix [[0,1,2],[3,4,5]]; its transpose has size (3,2) stride (1,3).
    const t = stridedToContiguous(range(6), 'float32', 0, [3, 2], [1, 3]);
    expect([...t.data]).toEqual([0, 3, 1, 4, 2, 5]);
    expect(t.data.buffer).not.toBe(range(6).buffer);
  });

  it('honours offset together with strides (a column slice)', () => {
    // column 1 of a 3x4 matrix: offset 1, size (3,), stride (4,)
    const t = stridedToContiguous(range(12), 'float32', 1, [3], [4]);
    expect([...t.data]).toEqual([1, 5, 9]);
  });

  it('materialises expanded (stride 0) dims', () => {
    const t = stridedToContiguous(Float32Array.of(7, 8), 'float32', 0, [3, 2], [0, 1]);
    expect([...t.data]).toEqual([7, 8, 7, 8, 7, 8]);
  });

  it('handles 0-dim and empty tensors', () => {
    const scalar = stridedToContiguous(BigInt64Array.of(1n, 42n), 'int64', 1, [], []);
    expect(scalar.shape).toEqual([]);
    expect(Array.from(scalar.data as BigInt64Array)).toEqual([42n]);
    const empty = stridedToContiguous(range(0), 'float32', 0, [0, 5], [5, 1]);
    expect(empty.data.length).toBe(0);
    expect(empty.shape).toEqual([0, 5]);
  });

  it('treats any stride on a size-1 dim as contiguous, like torch', () => {
    const storage = range(4);
    const t = stridedToContiguous(storage, 'float32', 0, [1, 4], [99, 1]);
    expect(t.data.buffer).toBe(storage.buffer);
    expect([...t.data]).toEqual([0, 1, 2, 3]);
  });

  it('rejects views that run past the storage', () => {
    expect(() => stridedToContiguous(range(6), 'float32', 1, [2, 3], [3, 1])).toThrow(RangeError);
    expect(() => stridedToContiguous(range(6), 'float32', 0, [2, 3], [3])).toThrow(/size has 2 dims but stride has 1/);
  });
});

describe('storageArray', () => {
  it('views aligned little-endian bytes without copying', () => {
    const bytes = new Uint8Array(Float32Array.of(1.5, -2).buffer);
    const arr = storageArray(bytes, 'float32');
    expect(arr.buffer).toBe(bytes.buffer);
    expect([...arr]).toEqual([1.5, -2]);
  });

  it('copies unaligned bytes', () => {
    const backing = new Uint8Array(9);
    backing.set(new Uint8Array(Float32Array.of(3, 4).buffer), 1);
    const arr = storageArray(backing.subarray(1), 'float32');
    expect([...arr]).toEqual([3, 4]);
  });

  it('byte-swaps big-endian storages', () => {
    const be = Buffer.alloc(12);
    be.writeFloatBE(1.25, 0);
    be.writeFloatBE(-8, 4);
    be.writeInt32BE(-2, 8);
    expect([...storageArray(be.subarray(0, 8), 'float32', false)]).toEqual([1.25, -8]);
    expect([...storageArray(be.subarray(8), 'int32', false)]).toEqual([-2]);
    expect([...storageArray(Uint8Array.of(1, 2), 'uint8', false)]).toEqual([1, 2]);
  });
});
