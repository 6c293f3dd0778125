import { describe, expect, it } from 'vitest';
import { startsLikeContainer } from '../../src/decode/sniff.ts';

describe('startsLikeContainer', () => {
  it('knows common container signatures', () => {
    expect(startsLikeContainer(Buffer.from('\0\0\0\x20ftypisom', 'latin1'))).toBe(true);
    expect(startsLikeContainer(Buffer.from('\0\0\0\x08free', 'latin1'))).toBe(true);
    expect(startsLikeContainer(Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x01]))).toBe(true);
    expect(startsLikeContainer(Buffer.from('RIFF\0\0\0\0AVI ', 'latin1'))).toBe(true);
    const ts = Buffer.alloc(189);
    ts[0] = 0x47;
    ts[188] = 0x47;
    expect(startsLikeContainer(ts)).toBe(true);
  });

  it('does not mistake text for a container', () => {
    expect(startsLikeContainer(Buffer.from('These are my notes.\n'))).toBe(false);
    expect(startsLikeContainer(Buffer.alloc(0))).toBe(false);
  });
});
