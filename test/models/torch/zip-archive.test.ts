import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ModelError } from '../../../src/errors.ts';
import { ZipArchive } from '../../../src/models/torch/zip-archive.ts';
import { buildZip } from './fixtures.ts';

const text = (s: string): Uint8Array => Buffer.from(s, 'utf8');
const big = new Uint8Array(Array.from({ length: 5000 }, (_, i) => (i * 7) % 13));

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ModelError);
    expect((e as ModelError).message).toContain('t.zip');
    return (e as ModelError).code;
  }
  throw new Error('expected a ModelError');
}

describe('ZipArchive', () => {
  it('lists entries and reads stored ones as views of the buffer', () => {
    const buf = buildZip([{ name: 'a/one', data: text('hello') }, { name: 'a/two', data: big }], { padTo64: true });
    const zip = new ZipArchive(buf, 't.zip');
    expect([...zip.entries.keys()]).toEqual(['a/one', 'a/two']);
    const two = zip.read('a/two');
    expect(two.buffer).toBe(buf.buffer);
    expect(Buffer.compare(two, big)).toBe(0);
    // padTo64 aligned the data the way torch does.
    expect(two.byteOffset % 64).toBe(buf.byteOffset % 64);
    expect(zip.read('a/one').toString()).toBe('hello');
  });

  it('inflates deflate entries', () => {
    const buf = buildZip([{ name: 'x', data: big, deflate: true }]);
    const zip = new ZipArchive(buf, 't.zip');
    expect(zip.entries.get('x')?.method).toBe(8);
    expect(zip.entries.get('x')!.compressedSize).toBeLessThan(big.length);
    expect(Buffer.compare(zip.read('x'), big)).toBe(0);
  });

  it('reads ZIP64 end records and extra fields', () => {
    const buf = buildZip([{ name: 'p', data: text('zip64') }, { name: 'q', data: big }], { zip64: true });
    expect(buf.readUInt32LE(buf.length - 22 + 16)).toBe(0xffffffff);
    const zip = new ZipArchive(buf, 't.zip');
    expect(zip.entries.get('q')).toMatchObject({ size: big.length, compressedSize: big.length });
    expect(zip.read('p').toString()).toBe('zip64');
    expect(Buffer.compare(zip.read('q'), big)).toBe(0);
  });

  it('finds the end record behind an archive comment', () => {
    const zip = new ZipArchive(buildZip([{ name: 'c', data: text('x') }], { comment: 'PK made by a test' }), 't.zip');
    expect(zip.read('c').toString()).toBe('x');
  });

  it('rejects non-zips, and hints at the legacy torch format', () => {
    expect(codeOf(() => new ZipArchive(Buffer.from('just some text, long enough to look at'), 't.zip'))).toBe('E_CHECKPOINT_NOT_ZIP');
    expect(codeOf(() => new ZipArchive(Buffer.alloc(0), 't.zip'))).toBe('E_CHECKPOINT_NOT_ZIP');
    expect(() => new ZipArchive(Buffer.from([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e, 0, 0, 0, 0, 0, 0, 0, 0]), 't.zip'))
      .toThrow(/legacy torch\.save format/);
  });

  it('reports truncation wherever the file is cut', () => {
    const buf = buildZip([{ name: 'a', data: big }, { name: 'b', data: text('tail') }]);
    // Without the end record the start still says "zip".
    expect(codeOf(() => new ZipArchive(buf.subarray(0, buf.length - 30), 't.zip'))).toBe('E_CHECKPOINT_TRUNCATED');
    expect(codeOf(() => new ZipArchive(buf.subarray(0, 2000), 't.zip'))).toBe('E_CHECKPOINT_TRUNCATED');
  });

  it('reports a directory pointing past the data as truncated', () => {
    const buf = Buffer.from(buildZip([{ name: 'a', data: big }]));
    const eocd = buf.length - 22;
    buf.writeUInt32LE(buf.readUInt32LE(eocd + 16) + 100_000, eocd + 16);
    expect(codeOf(() => new ZipArchive(buf, 't.zip'))).toBe('E_CHECKPOINT_TRUNCATED');
  });

  it('detects damaged data through the CRC', () => {
    const buf = Buffer.from(buildZip([{ name: 'a', data: big }]));
    buf[131] = buf[131]! ^ 0xff;
    const zip = new ZipArchive(buf, 't.zip');
    expect(codeOf(() => zip.read('a'))).toBe('E_CHECKPOINT_CORRUPT');
  });

  it('rejects unsupported compression methods and unknown entries', () => {
    const buf = Buffer.from(buildZip([{ name: 'a', data: text('abc') }]));
    const cd = buf.length - 22 - (46 + 1);
    buf.writeUInt16LE(12, cd + 10); // bzip2
    const zip = new ZipArchive(buf, 't.zip');
    expect(codeOf(() => zip.read('a'))).toBe('E_CHECKPOINT_UNSUPPORTED');
    expect(codeOf(() => zip.read('nope'))).toBe('E_CHECKPOINT_CORRUPT');
  });

  it('rejects deflate data that does not inflate', () => {
    const good = zlib.deflateRawSync(big);
    const buf = Buffer.from(buildZip([{ name: 'a', data: big, deflate: true }]));
    buf.fill(0xff, 31, 31 + Math.min(20, good.length));
    expect(codeOf(() => new ZipArchive(buf, 't.zip').read('a'))).toBe('E_CHECKPOINT_CORRUPT');
  });
});
