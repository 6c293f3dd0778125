import { describe, expect, it } from 'vitest';
import { isErrorLine, lineLevel, StderrRing } from '../../src/ffmpeg/stderr-ring.ts';

describe('StderrRing', () => {
  it('splits chunks into lines across chunk boundaries, on \\n, \\r\\n and \\r', () => {
    const ring = new StderrRing();
    ring.push('one\ntw');
    ring.push('o\r\nthree\rfour');
    expect(ring.all()).toEqual(['one', 'two', 'three']);
    ring.end();
    expect(ring.all()).toEqual(['one', 'two', 'three', 'four']);
  });

  it('keeps only the last maxLines lines', () => {
    const ring = new StderrRing({ maxLines: 3 });
    for (let i = 0; i < 10_000; i++) ring.push(`line ${i}\n`);
    expect(ring.all()).toEqual(['line 9997', 'line 9998', 'line 9999']);
  });

  it('cuts long lines and flushes an endless unterminated line', () => {
    const ring = new StderrRing({ maxLineLength: 10 });
    ring.push('x'.repeat(25));
    ring.push('y'.repeat(5));
    ring.end();
    expect(ring.all()).toEqual([`${'x'.repeat(10)}…`, 'yyyyy']);
  });

  it('decodes UTF-8 split between chunks', () => {
    const ring = new StderrRing();
    const bytes = Buffer.from('café\n');
    ring.push(bytes.subarray(0, 4));
    ring.push(bytes.subarray(4));
    expect(ring.all()).toEqual(['café']);
  });

  it('lets onLine keep lines out of the ring', () => {
    const seen: string[] = [];
    const ring = new StderrRing({ onLine: (l) => (seen.push(l), !l.startsWith('noise')) });
    ring.push('noise 1\nkeep\nnoise 2\n');
    expect(seen).toEqual(['noise 1', 'keep', 'noise 2']);
    expect(ring.all()).toEqual(['keep']);
  });

  it('tail prefers warnings and errors over info chatter, skipping blank lines', () => {
    const ring = new StderrRing();
    ring.push('[info] Input #0\n[error] bad thing\n\n[info] frame= 10\n[warning] odd thing\n[info] done\n');
    expect(ring.tail(5)).toEqual(['[error] bad thing', '[warning] odd thing']);
    const plain = new StderrRing();
    plain.push('a\nb\n\nc\nd\ne\nf\n');
    expect(plain.tail(5)).toEqual(['b', 'c', 'd', 'e', 'f']);
    const quiet = new StderrRing();
    quiet.push('[info] only info\n');
    expect(quiet.tail()).toEqual(['[info] only info']);
  });

  it('reads level tags', () => {
    expect(lineLevel('[h264 @ 0x1] [error] Invalid NAL')).toBe('error');
    expect(lineLevel('no tag')).toBeUndefined();
    expect(isErrorLine('[fatal] x')).toBe(true);
    expect(isErrorLine('[warning] x')).toBe(false);
  });
});
