import { describe, expect, it } from 'vitest';
import type { Affine } from '../../src/restore/affine.ts';
import { TemporalBlender, blendHistoryStart, blendHorizon } from '../../src/restore/temporal-blend.ts';
import { gaussian } from '../../src/models/gpen/random-weights.ts';

const S = 32;
const ID: Affine = [1, 0, 0, 0, 1, 0];
const flat = (v: number) => new Uint8Array(S * S * 3).fill(v);
const randn = gaussian(5);
const noisy = (base: Uint8Array, sigma: number) => base.map((v) => Math.max(0, Math.min(255, Math.round(v + sigma * randn()))));
/** frame numbers only ever increase, as they do in a video */
let frameNo = 0;
const f = () => frameNo++;
const rms = (a: Uint8Array, b: Uint8Array) => Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]!) ** 2, 0) / a.length);

describe('TemporalBlender', () => {
  it('a still face settles: frame-to-frame change of the output shrinks well below the model noise', () => {
    const input = flat(120);
    const on = new TemporalBlender(S, { strength: 0.6 });
    let prevOn: Uint8Array | null = null;
    let prevOff: Uint8Array | null = null;
    let flickerOn = 0, flickerOff = 0;
    for (let t = 0; t < 30; t++) {
      const restored = noisy(input, 12);
      const blended = on.blend(1, t, input, restored, ID);
      if (t >= 10 && prevOn && prevOff) {
        flickerOn += rms(blended, prevOn);
        flickerOff += rms(restored, prevOff);
      }
      prevOn = blended;
      prevOff = restored;
    }
    expect(flickerOn / flickerOff).toBeLessThan(0.4);
  });

  it('a changing face is not smeared: where the input changed, the new restoration passes through', () => {
    const b = new TemporalBlender(S, { strength: 0.9 });
    b.blend(1, f(), flat(60), flat(60), ID);
    const restored = flat(200);
    expect(b.blend(1, f(), flat(200), restored, ID)).toEqual(restored);
  });

  it('blends in aligned space without warping: the crops are already registered to the face', () => {
    // the face moved 4 px in the frame; the alignment followed it, so its crop content is the same
    const edge = new Uint8Array(S * S * 3);
    for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) edge.fill(x < 14 ? 40 : 220, (y * S + x) * 3, (y * S + x) * 3 + 3);
    const b = new TemporalBlender(S, { strength: 0.9 });
    const r1 = noisy(edge, 10);
    b.blend(1, f(), edge, r1, [1, 0, 0, 0, 1, 0]);
    const r2 = noisy(edge, 10);
    const out = b.blend(1, f(), edge, r2, [1, 0, -4, 0, 1, 0]);
    // the output is the blend of the two residuals at the same crop pixels
    for (let i = 0; i < out.length; i += 97) expect(Math.abs(out[i]! - (r2[i]! + 0.9 * (r1[i]! - r2[i]!)))).toBeLessThanOrEqual(1);
  });

  it('an identity restorer comes out unchanged with blending on (only residuals are blended)', () => {
    const b = new TemporalBlender(S, { strength: 0.9 });
    const a = noisy(flat(100), 20);
    const c = noisy(flat(100), 20);
    b.blend(1, f(), a, a, ID);
    expect(b.blend(1, f(), c, c, ID)).toEqual(c);
  });

  it('reset and a new track start without history; strength 0 is off', () => {
    const b = new TemporalBlender(S, { strength: 0.8 });
    b.blend(1, f(), flat(100), flat(90), ID);
    b.reset();
    const r = flat(110);
    expect(b.blend(1, f(), flat(100), r, ID)).toBe(r);
    expect(b.blend(2, f(), flat(100), r, ID)).toBe(r);
    const off = new TemporalBlender(S, { strength: 0 });
    off.blend(1, f(), flat(100), flat(90), ID);
    expect(off.blend(1, f(), flat(100), r, ID)).toBe(r);
  });

  it('has bounded memory: started at blendHistoryStart(F), it matches a run from frame 0 exactly from F on', () => {
    const strength = 0.8;
    const H = blendHorizon(strength);
    const frames = 5 * H + 3;
    const rnd = gaussian(11);
    const base = noisy(flat(120), 6);
    const inputs = Array.from({ length: frames }, () => base.map((v) => Math.max(0, Math.min(255, v + Math.round(0.6 * rnd())))));
    const restored = inputs.map((x) => noisy(x, 12));
    const full = new TemporalBlender(S, { strength });
    const fullOut = inputs.map((x, t) => full.blend(1, t, x, restored[t]!, ID));
    for (const first of [1, H - 1, H, H + 1, 2 * H, 3 * H + 2]) {
      const start = blendHistoryStart(first, strength);
      expect(first - start).toBeLessThan(2 * H);
      const chunk = new TemporalBlender(S, { strength });
      for (let t = start; t < frames; t++) {
        const out = chunk.blend(1, t, inputs[t]!, restored[t]!, ID);
        if (t >= first) expect(out, `frame ${t}, chunk from ${first}`).toEqual(fullOut[t]);
      }
    }
    // and the history really is used: the blended output differs from the raw restoration
    expect(rms(fullOut[frames - 1]!, restored[frames - 1]!)).toBeGreaterThan(2);
  });
});
