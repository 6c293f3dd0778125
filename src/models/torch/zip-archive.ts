import zlib from 'node:zlib';
import { ModelError } from '../../errors.ts';
import { crc32 } from './crc32.ts';

/**
 * Just enough of a zip reader for torch.save archives: the central directory (with ZIP64),
 * stored entries returned as views of the input (no copy), deflate entries inflated.
 */
export interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  crc32: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;
const METHOD_STORED = 0;
const METHOD_DEFLATE = 8;

export class ZipArchive {
  readonly entries: ReadonlyMap<string, ZipEntry>;

  constructor(
    private readonly buf: Buffer,
    readonly fileName: string,
  ) {
    this.entries = this.readCentralDirectory();
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** The entry's bytes; stored entries are views into the archive buffer. */
  read(name: string): Buffer {
    const entry = this.entries.get(name);
    if (!entry) throw this.error('E_CHECKPOINT_CORRUPT', `has no entry '${name}'`);
    const { buf } = this;
    const at = entry.localHeaderOffset;
    this.need(at, 30, `local header of '${name}'`);
    if (buf.readUInt32LE(at) !== SIG_LOCAL) {
      throw this.error('E_CHECKPOINT_CORRUPT', `local header of '${name}' at byte ${at} has a bad signature`);
    }
    // The local name/extra lengths may differ from the central ones (torch pads data to 64 bytes there).
    const start = at + 30 + buf.readUInt16LE(at + 26) + buf.readUInt16LE(at + 28);
    this.need(start, entry.compressedSize, `data of '${name}'`);
    const raw = buf.subarray(start, start + entry.compressedSize);
    let data: Buffer;
    if (entry.method === METHOD_STORED) {
      if (entry.compressedSize !== entry.size) {
        throw this.error('E_CHECKPOINT_CORRUPT', `stored entry '${name}' has compressed size ${entry.compressedSize} ≠ size ${entry.size}`);
      }
      data = raw;
    } else if (entry.method === METHOD_DEFLATE) {
      try {
        data = zlib.inflateRawSync(raw);
      } catch (cause) {
        throw this.error('E_CHECKPOINT_CORRUPT', `entry '${name}' does not inflate (${(cause as Error).message})`, cause);
      }
      if (data.length !== entry.size) {
        throw this.error('E_CHECKPOINT_CORRUPT', `entry '${name}' inflates to ${data.length} bytes, the directory says ${entry.size}`);
      }
    } else {
      throw this.error('E_CHECKPOINT_UNSUPPORTED', `entry '${name}' uses compression method ${entry.method}; only stored and deflate are supported`);
    }
    if (crc32(data) !== entry.crc32) {
      throw this.error('E_CHECKPOINT_CORRUPT', `entry '${name}' fails its CRC-32 check; the file is damaged, download it again`);
    }
    return data;
  }

  private readCentralDirectory(): Map<string, ZipEntry> {
    const { buf } = this;
    const eocd = this.findEocd();
    let count = buf.readUInt16LE(eocd + 10);
    let cdSize = buf.readUInt32LE(eocd + 12);
    let cdOffset = buf.readUInt32LE(eocd + 16);
    const locator = eocd - 20;
    if (locator >= 0 && buf.readUInt32LE(locator) === SIG_ZIP64_LOCATOR) {
      const at = this.u64(locator + 8, 'ZIP64 end-of-directory offset');
      this.need(at, 56, 'ZIP64 end-of-central-directory record');
      if (buf.readUInt32LE(at) !== SIG_ZIP64_EOCD) {
        throw this.error('E_CHECKPOINT_CORRUPT', `ZIP64 end-of-central-directory record at byte ${at} has a bad signature`);
      }
      count = this.u64(at + 32, 'entry count');
      cdSize = this.u64(at + 40, 'central directory size');
      cdOffset = this.u64(at + 48, 'central directory offset');
    } else if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
      throw this.error('E_CHECKPOINT_CORRUPT', 'needs ZIP64 records but has no ZIP64 locator');
    }
    this.need(cdOffset, cdSize, 'central directory');

    const entries = new Map<string, ZipEntry>();
    let at = cdOffset;
    const end = cdOffset + cdSize;
    for (let i = 0; i < count; i++) {
      if (at + 46 > end || buf.readUInt32LE(at) !== SIG_CENTRAL) {
        throw this.error('E_CHECKPOINT_CORRUPT', `central directory entry ${i} of ${count} at byte ${at} is malformed`);
      }
      const nameLen = buf.readUInt16LE(at + 28);
      const extraLen = buf.readUInt16LE(at + 30);
      const commentLen = buf.readUInt16LE(at + 32);
      const next = at + 46 + nameLen + extraLen + commentLen;
      if (next > end) throw this.error('E_CHECKPOINT_CORRUPT', `central directory entry ${i} overruns the directory`);
      const name = buf.toString('utf8', at + 46, at + 46 + nameLen);
      const entry: ZipEntry = {
        name,
        flags: buf.readUInt16LE(at + 8),
        method: buf.readUInt16LE(at + 10),
        crc32: buf.readUInt32LE(at + 16),
        compressedSize: buf.readUInt32LE(at + 20),
        size: buf.readUInt32LE(at + 24),
        localHeaderOffset: buf.readUInt32LE(at + 42),
      };
      this.applyZip64Extra(entry, at + 46 + nameLen, extraLen);
      if (entry.flags & 1) throw this.error('E_CHECKPOINT_UNSUPPORTED', `entry '${name}' is encrypted`);
      if (!entries.has(name)) entries.set(name, entry);
      at = next;
    }
    return entries;
  }

  /** Saturated 32-bit fields are replaced, in this order, by the 64-bit values of extra field 0x0001. */
  private applyZip64Extra(entry: ZipEntry, start: number, length: number): void {
    const { buf } = this;
    const end = start + length;
    for (let at = start; at + 4 <= end; ) {
      const id = buf.readUInt16LE(at);
      const size = buf.readUInt16LE(at + 2);
      if (id === 0x0001) {
        let p = at + 4;
        const take = (what: string): number => {
          if (p + 8 > at + 4 + size) throw this.error('E_CHECKPOINT_CORRUPT', `ZIP64 extra field of '${entry.name}' lacks the ${what}`);
          const v = this.u64(p, what);
          p += 8;
          return v;
        };
        if (entry.size === 0xffffffff) entry.size = take('size');
        if (entry.compressedSize === 0xffffffff) entry.compressedSize = take('compressed size');
        if (entry.localHeaderOffset === 0xffffffff) entry.localHeaderOffset = take('local header offset');
        return;
      }
      at += 4 + size;
    }
  }

  private findEocd(): number {
    const { buf } = this;
    const last = buf.length - EOCD_SIZE;
    const first = Math.max(0, last - MAX_COMMENT);
    for (let at = last; at >= first; at--) {
      if (buf.readUInt32LE(at) === SIG_EOCD && at + EOCD_SIZE + buf.readUInt16LE(at + 20) <= buf.length) return at;
    }
    if (buf.length >= 4 && buf.readUInt32LE(0) === SIG_LOCAL) {
      throw this.error('E_CHECKPOINT_TRUNCATED', `is a zip without its central directory (${buf.length} bytes): the file is truncated, download it again`);
    }
    // Raw pickle: torch.save before 1.6, or with _use_new_zipfile_serialization=False.
    const legacy = buf.length > 0 && buf[0] === 0x80
      ? ' It looks like the legacy torch.save format; re-save it with torch>=1.6 (torch.save(torch.load(f), g)).'
      : '';
    throw this.error('E_CHECKPOINT_NOT_ZIP', `is not a zip archive, so not a torch checkpoint (.pth/.pt).${legacy}`);
  }

  private u64(at: number, what: string): number {
    const v = this.buf.readBigUInt64LE(at);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw this.error('E_CHECKPOINT_CORRUPT', `${what} ${v} is out of range`);
    return Number(v);
  }

  private need(at: number, length: number, what: string): void {
    if (at < 0 || at + length > this.buf.length) {
      throw this.error(
        'E_CHECKPOINT_TRUNCATED',
        `ends before the ${what} (bytes ${at}..${at + length}, file has ${this.buf.length}): the file is truncated, download it again`,
      );
    }
  }

  private error(code: string, message: string, cause?: unknown): ModelError {
    return new ModelError(code, `Checkpoint ${this.fileName} ${message}`, cause);
  }
}
