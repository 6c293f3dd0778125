import { describe, expect, it } from 'vitest';
import type { Affine } from '../../src/restore/affine.ts';
import { FROM_FACE, FROM_FRAME, FROM_SHIFT, TemporalBlender, blendHistoryStart, blendHorizon, type BlendPlan } from '../../src/restore/temporal-blend.ts';
import { gaussian } from '../../src/models/gpen/random-weights.ts';

const S = 32;
const ID: Affine = [1, 0, 0, 0, 1, 0];
const flat = (v: number, size = S) => new Uint8Array(size * size * 3).fill(v);
const randn = gaussian(5);
const clampByte = (v: number) => Math.max(0, Math.min(255, Math.round(v)));
const noisy = (base: Uint8Array, sigma: number, rnd = randn) => base.map((v) => clampByte(v + sigma * rnd()));
/** frame numbers only ever increase, as they do in a video */
let frameNo = 0;
const f = () => frameNo++;
const rms = (a: Uint8Array, b: Uint8Array) => Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]!) ** 2, 0) / a.length);

/** A face-like texture (levels 70…190) of a point of the picture, so it can be moved; `detail` sharpens it. */
function texture(seed: number, detail = 1): (x: number, y: number) => number {
  const r = gaussian(seed);
  const waves = Array.from({ length: 6 }, () => ({ fx: 0.25 * detail * r(), fy: 0.25 * detail * r(), ph: 3 * r(), amp: 12 + 4 * r() }));
  return (x, y) => 130 + waves.reduce((s, w) => s + w.amp * Math.sin(w.fx * x + w.fy * y + w.ph), 0);
}

/** An RGB crop whose pixel (x, y) shows `paint(x, y)` (luma), plus per-frame grain of `grain` levels. */
function crop(size: number, paint: (x: number, y: number) => number, grain = 0, rnd = randn): Uint8Array {
  const out = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const v = paint(x, y) + grain * rnd();
      out.fill(clampByte(v), (y * size + x) * 3, (y * size + x) * 3 + 3);
    }
  }
  return out;
}

/** The benchmark's flicker: RMS of (out(t) − out(t−1)) − (in(t) − in(t−1)) over the pixels `where` picks. */
function flicker(inputs: Uint8Array[], outputs: Uint8Array[], from: number, where: (p: number) => boolean = () => true): number {
  let sum = 0, n = 0;
  for (let t = Math.max(1, from); t < inputs.length; t++) {
    for (let i = 0; i < inputs[t]!.length; i++) {
      if (!where((i / 3) | 0)) continue;
      sum += (outputs[t]![i]! - outputs[t - 1]![i]! - (inputs[t]![i]! - inputs[t - 1]![i]!)) ** 2;
      n++;
    }
  }
  return Math.sqrt(sum / n);
}

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

  it('film grain does not switch blending off: a grainy still face settles like a clean one', () => {
    const paint = texture(1);
    const run = (grain: number, strength: number) => {
      const b = new TemporalBlender(S, { strength });
      const inputs: Uint8Array[] = [], outputs: Uint8Array[] = [];
      for (let t = 0; t < 40; t++) {
        const input = crop(S, paint, grain);
        inputs.push(input);
        outputs.push(b.blend(1, t, input, noisy(input, 12), ID));
      }
      return flicker(inputs, outputs, 10);
    };
    const off = run(6, 0);
    // the best a blend of weight 0.9 can do on a still face is (1 − a)/√(1 + a) ≈ 0.07 of off
    expect(run(6, 0.9) / off).toBeLessThan(0.12);
    expect(run(6, 0.9)).toBeLessThan(1.3 * run(0, 0.9));
  });

  it('an old film\'s brightness flicker (a few levels, the whole frame) does not switch blending off', () => {
    const paint = texture(11);
    const run = (strength: number) => {
      const b = new TemporalBlender(S, { strength });
      const inputs: Uint8Array[] = [], outputs: Uint8Array[] = [];
      for (let t = 0; t < 40; t++) {
        const input = crop(S, (x, y) => paint(x, y) + (t % 2 ? 3 : -3), 2);
        inputs.push(input);
        outputs.push(b.blend(1, t, input, noisy(input, 12), ID));
      }
      return flicker(inputs, outputs, 10);
    };
    expect(run(0.9) / run(0)).toBeLessThan(0.12);
  });

  it('a changing face is not smeared: where the mouth opens, the new restoration passes through at once', () => {
    const N = 48;
    const paint = texture(2);
    // the open mouth: a dark ellipse, 16×8 px, in the middle of the lower half
    const inMouth = (x: number, y: number, grow = 0) => ((x - 24) / (8 + grow)) ** 2 + ((y - 34) / (4 + grow)) ** 2 < 1;
    const b = new TemporalBlender(N, { strength: 0.9 });
    let out: Uint8Array = new Uint8Array(0), restored: Uint8Array = new Uint8Array(0);
    for (let t = 0; t < 14; t++) {
      const open = t === 13;
      const input = crop(N, (x, y) => (open && inMouth(x, y) ? 30 : paint(x, y)), 3);
      restored = noisy(input, 12);
      out = b.blend(1, t, input, restored, ID);
    }
    let worst = 0, far = 0, n = 0;
    for (let y = 0; y < N; y++) {
      for (let x = 0; x < N; x++) {
        const i = (y * N + x) * 3;
        if (inMouth(x, y, -2)) worst = Math.max(worst, Math.abs(out[i]! - restored[i]!));
        if (!inMouth(x, y, 10)) {
          far += (out[i]! - restored[i]!) ** 2;
          n++;
        }
      }
    }
    expect(worst).toBeLessThanOrEqual(1);
    // and blending goes on around it
    expect(Math.sqrt(far / n)).toBeGreaterThan(6);
  });

  it('an eye that opens is not taken for a similar detail nearby', () => {
    // a crop of 96 px with an eye 8 px wide: about a face's proportions (GPEN's eyes are 54 px apart at 256)
    const N = 96;
    const paint = texture(3);
    const blob = (cx: number, cy: number) => (x: number, y: number) => ((x - cx) / 4) ** 2 + ((y - cy) / 2.5) ** 2 < 1;
    const brow = blob(38, 40), eye = blob(38, 47);
    const b = new TemporalBlender(N, { strength: 0.9 });
    let out: Uint8Array = new Uint8Array(0), restored: Uint8Array = new Uint8Array(0);
    let plan: BlendPlan | null = null;
    b.onPlan = (p) => (plan = p);
    for (let t = 0; t < 12; t++) {
      const open = t === 11;
      const input = crop(N, (x, y) => (brow(x, y) || (open && eye(x, y)) ? 40 : paint(x, y)));
      restored = noisy(input, 12);
      out = b.blend(1, t, input, restored, ID);
    }
    // the eye's inside (its rim takes a little of the past: the gate averages the change over ±1.5 px)
    for (let y = 46; y <= 48; y++) for (let x = 36; x <= 40; x++) expect(Math.abs(out[(y * N + x) * 3]! - restored[(y * N + x) * 3]!), `${x},${y}`).toBeLessThanOrEqual(1);
    expect([...plan!.source].every((s) => s !== FROM_SHIFT)).toBe(true);
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
    // the residuals at the same crop pixels, averaged (a past of one frame weighs 1/2: a running mean)
    for (let i = 0; i < out.length; i += 97) expect(Math.abs(out[i]! - (r2[i]! + 0.5 * (r1[i]! - r2[i]!)))).toBeLessThanOrEqual(1);
  });

  it('follows a still background the face moves over, from where it was in the frame', () => {
    // left of x = 12 the face (moves with the crop), right of it a still textured backdrop
    const face = texture(4), wall = texture(5);
    const frameOf = (dx: number) => crop(S, (x, y) => (x < 12 ? face(x, y) : wall(x + dx, y)));
    const b = new TemporalBlender(S, { strength: 0.9 });
    let plan: BlendPlan | null = null;
    b.onPlan = (p) => (plan = p);
    const in1 = frameOf(0), r1 = noisy(in1, 10);
    b.blend(1, f(), in1, r1, ID);
    // the face moved 4 px right in the frame: crop x shows frame x + 4, the backdrop slid 4 px left
    const in2 = frameOf(4), r2 = noisy(in2, 10);
    const out = b.blend(1, f(), in2, r2, [1, 0, -4, 0, 1, 0]);
    const G = S / plan!.g;
    for (let y = 4; y < S - 4; y++) {
      for (let x = 4; x < S - 8; x++) {
        const i = (y * S + x) * 3;
        const src = plan!.source[((y / plan!.g) | 0) * G + ((x / plan!.g) | 0)];
        if (x < 8) {
          expect(src, `${x},${y}`).toBe(FROM_FACE);
          expect(Math.abs(out[i]! - (r2[i]! + 0.5 * (r1[i]! - in1[i]! - (r2[i]! - in2[i]!))))).toBeLessThanOrEqual(1);
        } else if (x > 16) {
          // the same point of the backdrop was at crop x + 4 before
          expect(src, `${x},${y}`).toBe(FROM_FRAME);
          const j = i + 12;
          expect(Math.abs(out[i]! - (r2[i]! + 0.5 * (r1[j]! - in1[j]! - (r2[i]! - in2[i]!))))).toBeLessThanOrEqual(1);
        }
      }
    }
  });

  it('follows an object passing in front of the face (moving its own way) instead of dropping it', () => {
    const N = 64;
    const face = texture(6), hand = texture(7, 4);
    // a textured square of 24×24 px moving by (3, 2) px a frame over a still face
    const frameAt = (t: number) => crop(N, (x, y) => {
      const u = x - 10 - 3 * t, v = y - 8 - 2 * t;
      return u >= 0 && u < 24 && v >= 0 && v < 24 ? hand(u, v) - 40 : face(x, y);
    }, 2);
    const run = (strength: number) => {
      const b = new TemporalBlender(N, { strength });
      const plans: BlendPlan[] = [];
      b.onPlan = (p) => plans.push(p);
      const inputs: Uint8Array[] = [], outputs: Uint8Array[] = [];
      for (let t = 0; t < 8; t++) {
        inputs.push(frameAt(t));
        outputs.push(b.blend(1, t, inputs[t]!, noisy(inputs[t]!, 12), ID));
      }
      return { plans, inputs, outputs };
    };
    const on = run(0.9), off = run(0);
    // inside the object, well away from its edges, in the last frames
    const inside = (t: number) => (p: number) => {
      const u = (p % N) - 10 - 3 * t, v = ((p / N) | 0) - 8 - 2 * t;
      return u >= 4 && u < 20 && v >= 4 && v < 20;
    };
    const last = on.plans.at(-1)!;
    let shifted = 0, n = 0;
    for (let p = 0; p < N * N; p++) {
      if (!inside(7)(p)) continue;
      n++;
      if (last.source[p] === FROM_SHIFT && last.weight[p]! > 0.8) shifted++;
    }
    expect(shifted / n).toBeGreaterThan(0.8);
    // the restoration on the object flickers far less than without blending (its own frame-to-frame motion aside)
    const moved = (p: number) => inside(7)(p);
    expect(flicker(on.inputs, on.outputs, 7, moved)).toBeLessThan(0.6 * flicker(off.inputs, off.outputs, 7, moved));
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
    const strength = 0.7;
    const H = blendHorizon(strength);
    const frames = 5 * H + 3;
    const N = 48;
    const rnd = gaussian(11);
    const face = texture(8), wall = texture(9), object = texture(10, 4);
    // a face swaying over a still backdrop, an object crossing it, grain: every source of the past is used
    const poses: Affine[] = [];
    const inputs = Array.from({ length: frames }, (_, t) => {
      const dx = Math.round(6 * Math.sin(t / 5));
      poses.push([1, 0, -dx, 0, 1, 0]);
      return crop(N, (x, y) => {
        const u = x - ((2 * t) % 60) + 20, v = y - 10;
        if (u >= 0 && u < 20 && v >= 0 && v < 20) return object(u, v);
        return x > 8 && x < 40 ? face(x, y) : wall(x + dx, y);
      }, 3, rnd);
    });
    const restored = inputs.map((x) => noisy(x, 12, rnd));
    const full = new TemporalBlender(N, { strength });
    const seen = new Set<number>();
    full.onPlan = (p) => p.source.forEach((s) => seen.add(s));
    const fullOut = inputs.map((x, t) => full.blend(1, t, x, restored[t]!, poses[t]!));
    expect([...seen].sort()).toEqual([FROM_FACE, FROM_FRAME, FROM_SHIFT]);
    for (const first of [1, H - 1, H, H + 1, 2 * H, 3 * H + 2]) {
      const start = blendHistoryStart(first, strength);
      expect(first - start).toBeLessThan(2 * H);
      const chunk = new TemporalBlender(N, { strength });
      for (let t = start; t < frames; t++) {
        const out = chunk.blend(1, t, inputs[t]!, restored[t]!, poses[t]!);
        if (t >= first) expect(out, `frame ${t}, chunk from ${first}`).toEqual(fullOut[t]);
      }
    }
    // and the history really is used: the blended output differs from the raw restoration
    expect(rms(fullOut[frames - 1]!, restored[frames - 1]!)).toBeGreaterThan(2);
  });
});
