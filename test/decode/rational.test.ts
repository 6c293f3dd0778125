import { describe, expect, it } from 'vitest';
import { invert, parseRational, toNumber } from '../../src/decode/rational.ts';

describe('rationals', () => {
  it('parses ffprobe spellings and reduces', () => {
    expect(parseRational('30000/1001')).toEqual({ num: 30000, den: 1001 });
    expect(parseRational('50/2')).toEqual({ num: 25, den: 1 });
    expect(parseRational('16:9')).toEqual({ num: 16, den: 9 });
    expect(parseRational('25')).toEqual({ num: 25, den: 1 });
    expect(parseRational('0:1')).toEqual({ num: 0, den: 1 });
  });

  it('rejects undefined ratios', () => {
    for (const bad of ['0/0', 'N/A', '', 'abc', '1/0', undefined]) expect(parseRational(bad)).toBeNull();
  });

  it('converts and inverts', () => {
    expect(toNumber({ num: 30000, den: 1001 })).toBeCloseTo(29.97, 2);
    expect(invert({ num: 4, den: 3 })).toEqual({ num: 3, den: 4 });
  });
});
