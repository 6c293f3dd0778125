/**
 * The gate's third history: content that moves its own way over the face (a hand, a face passing
 * in front), found by matching blocks of the current luma against whole-pixel shifts of the
 * previous one.
 */
import type { Affine } from './affine.ts';
import { FROM_FRAME } from './blend-sources.ts';
import { excessOver, UNSEEN } from './blend-range.ts';

/** Truncation of a squared difference: one outlier pixel (a highlight, a speck) counts as 24 levels at most. */
const T2 = 24 * 24;

/**
 * The pixels of one block a cost is summed over, in a fixed order (sums are compared exactly, so
 * the order is part of the result): index, x, y and value.
 */
class Samples {
  readonly at: Int32Array;
  readonly x: Int32Array;
  readonly y: Int32Array;
  readonly c: Float32Array;
  n = 0;
  constructor(size: number) {
    this.at = new Int32Array(size);
    this.x = new Int32Array(size);
    this.y = new Int32Array(size);
    this.c = new Float32Array(size);
  }
  push(x: number, y: number, G: number, c: number): void {
    const n = this.n++;
    this.at[n] = y * G + x;
    this.x[n] = x;
    this.y[n] = y;
    this.c[n] = c;
  }
}

/**
 * Truncated sum of squared differences of `s` against `prev` shifted by (dx, dy); stops once past
 * `stop` (every term is ≥ 0, so a partial sum past it is as good as the whole for a comparison).
 * `inside`: the shift keeps the whole block inside the grid, so no pixel needs the edge test.
 */
function cost(s: Samples, prev: Float32Array, G: number, dx: number, dy: number, stop: number, inside: boolean): number {
  const n = s.n, c = s.c;
  let sum = 0;
  if (inside) {
    const at = s.at, off = dy * G + dx;
    for (let k = 0; k < n && sum < stop; k++) {
      const d = c[k]! - prev[at[k]! + off]!;
      const d2 = d * d;
      sum += d2 < T2 ? d2 : T2;
    }
    return sum;
  }
  const xs = s.x, ys = s.y;
  for (let k = 0; k < n && sum < stop; k++) {
    const x = xs[k]! + dx, y = ys[k]! + dy;
    if (x < 0 || y < 0 || x >= G || y >= G) {
      sum += T2;
      continue;
    }
    const d = c[k]! - prev[y * G + x]!;
    const d2 = d * d;
    sum += d2 < T2 ? d2 : T2;
  }
  return sum;
}

/** Whether a shift by (dx, dy) keeps the block [bx, xe) × [by, ye) inside the G×G grid. */
function inside(bx: number, by: number, xe: number, ye: number, dx: number, dy: number, G: number): boolean {
  return bx + dx >= 0 && by + dy >= 0 && xe - 1 + dx < G && ye - 1 + dy < G;
}

/** Whether a block's best cost `c` over `n` pixels is a match: well under its history's `miss`, and within the noise. */
function acceptable(c: number, miss: number, good: number, n: number): boolean {
  return c < miss / 2 && c < good * n;
}

/*
 * Module-level helpers rather than closures in the block loop: a closure there would capture `miss`,
 * and V8 keeps a captured variable in a heap context, where every `miss +=` of the per-pixel loop
 * allocated a boxed number (about 2 MB a frame, and the garbage collections that go with it).
 */

/**
 * Per block of `block`² gate pixels whose history does not match (its weight below `below` on
 * average, or a truncated squared difference well above the noise), a shift of the previous luma
 * by whole pixels, beyond `least` and up to `reach`, that matches the whole block within the noise
 * and at least twice as well as its history: first the shifts other blocks found, then, for at most
 * 128 blocks, every shift (tried on a quarter of the block's pixels, the best on all of them). Only
 * shifts of groups of neighbouring blocks covering 4% of the grid are kept. Null if none is.
 */
export function searchBlocks(cur: Float32Array, prev: Float32Array, weight: Float32Array, source: Uint8Array, back: Affine, below: number, G: number, block: number, least: number, reach: number, noise: number): Int8Array | null {
  // a match: within the noise of two frames and what a shift by whole pixels leaves (RMS 8 levels)
  const good = Math.max(64, 6 * noise * noise);
  // shifts other blocks found, tried first (x, y)
  const tried = new Int32Array(32);
  let nTried = 0;
  // full searches find the motions; blocks beyond this many only try the motions found
  let searches = 128;
  // per matched block: bx, by, xe, ye, vx, vy
  const vectors: number[] = [];
  // the block's pixels: all of them and every other one in both directions
  const all = new Samples(block * block), sparse = new Samples(block * block);
  const b0 = back[0], b1 = back[1], b2 = back[2], b3 = back[3], b4 = back[4], b5 = back[5];
  for (let by = 0; by < G; by += block) {
    for (let bx = 0; bx < G; bx += block) {
      const ye = Math.min(G, by + block), xe = Math.min(G, bx + block);
      // searched where the history the block follows does not match (the gate forgives fine
      // texture moving its own way, a sum of squared differences does not)
      let sum = 0, miss = 0;
      for (let y = by; y < ye; y++) {
        for (let x = bx, p = y * G + bx; x < xe; x++, p++) {
          sum += weight[p]!;
          let q = p;
          if (source[p] === FROM_FRAME) {
            const u = Math.round(b0 * x + b1 * y + b2), v = Math.round(b3 * x + b4 * y + b5);
            q = u >= 0 && v >= 0 && u < G && v < G ? v * G + u : -1;
          }
          const d = q < 0 ? T2 : (cur[p]! - prev[q]!) ** 2;
          miss += d < T2 ? d : T2;
        }
      }
      const area = (ye - by) * (xe - bx);
      if (sum >= below * area && miss <= 2 * good * area) continue;
      // the whole block is matched: an object moves as a whole, a changed detail beside unchanged
      // skin does not; every shift is tried on a quarter of the pixels, the best on all of them
      all.n = sparse.n = 0;
      for (let y = by; y < ye; y++) {
        for (let x = bx; x < xe; x++) {
          const c = cur[y * G + x]!;
          all.push(x, y, G, c);
          if ((x & 1) === 0 && (y & 1) === 0) sparse.push(x, y, G, c);
        }
      }
      // first the shifts other blocks found (an object spans many), then every shift beyond `least`
      let vx = 0, vy = 0;
      let bestTried = Infinity;
      for (let t = 0; t < nTried; t++) {
        const dx = tried[2 * t]!, dy = tried[2 * t + 1]!;
        const c = cost(all, prev, G, dx, dy, bestTried, inside(bx, by, xe, ye, dx, dy, G));
        if (c < bestTried) {
          bestTried = c;
          vx = dx;
          vy = dy;
        }
      }
      let ok = acceptable(bestTried, miss, good, all.n);
      if (!ok && searches > 0) {
        searches--;
        let best = Infinity;
        for (let j = -reach; j <= reach; j++) {
          const rowInside = by + j >= 0 && ye - 1 + j < G;
          for (let i = -reach; i <= reach; i++) {
            if (Math.abs(i) <= least && Math.abs(j) <= least) continue;
            const c = cost(sparse, prev, G, i, j, best, rowInside && bx + i >= 0 && xe - 1 + i < G);
            if (c < best) {
              best = c;
              vx = i;
              vy = j;
            }
          }
        }
        ok = best < Infinity && acceptable(cost(all, prev, G, vx, vy, Infinity, inside(bx, by, xe, ye, vx, vy, G)), miss, good, all.n);
        if (ok && nTried < 16) {
          tried[2 * nTried] = vx;
          tried[2 * nTried + 1] = vy;
          nTried++;
        }
      }
      if (ok) vectors.push(bx, by, xe, ye, vx, vy);
    }
  }
  return keepObjects(vectors, G, block);
}

/**
 * Something moving its own way over the face is an object (a hand, another face), far larger than
 * an eye or a mouth: keeps only shifts of groups of neighbouring blocks that cover 4% of the crop
 * or more, their shifts differing by a pixel at most from one block to the next (an object may turn
 * or zoom), so a single changed detail (an eye opening) is never matched to another one.
 */
function keepObjects(vectors: readonly number[], G: number, block: number): Int8Array | null {
  const count = vectors.length / 6;
  if (count === 0) return null;
  const cols = Math.ceil(G / block);
  const at = new Map<number, number>();
  for (let k = 0; k < count; k++) at.set((vectors[6 * k + 1]! / block) * cols + vectors[6 * k]! / block, k);
  const parent = Int32Array.from({ length: count }, (_, k) => k);
  const root = (k: number): number => (parent[k] === k ? k : (parent[k] = root(parent[k]!)));
  for (let k = 0; k < count; k++) {
    const bx = vectors[6 * k]!, by = vectors[6 * k + 1]!, vx = vectors[6 * k + 4]!, vy = vectors[6 * k + 5]!;
    // the right and the lower neighbour
    for (let d = 0; d < 2; d++) {
      const dx = d === 0 ? 1 : 0, dy = 1 - dx;
      const n = at.get((by / block + dy) * cols + bx / block + dx);
      if (n === undefined || bx / block + dx >= cols) continue;
      if (Math.abs(vectors[6 * n + 4]! - vx) <= 1 && Math.abs(vectors[6 * n + 5]! - vy) <= 1) parent[root(n)] = root(k);
    }
  }
  const area = new Map<number, number>();
  for (let k = 0; k < count; k++) {
    const a = (vectors[6 * k + 2]! - vectors[6 * k]!) * (vectors[6 * k + 3]! - vectors[6 * k + 1]!);
    area.set(root(k), (area.get(root(k)) ?? 0) + a);
  }
  let shifts: Int8Array | null = null;
  for (let k = 0; k < count; k++) {
    if (area.get(root(k))! < 0.04 * G * G) continue;
    shifts ??= new Int8Array(2 * G * G);
    const [bx, by, xe, ye, vx, vy] = vectors.slice(6 * k, 6 * k + 6) as [number, number, number, number, number, number];
    for (let y = by; y < ye; y++) {
      for (let x = bx; x < xe; x++) {
        shifts[2 * (y * G + x)] = vx;
        shifts[2 * (y * G + x) + 1] = vy;
      }
    }
  }
  return shifts;
}

/** excessRow() with each pixel's own shift (UNSEEN where it leaves the crop), and `has` 1 where it has one, else 0. */
export function excessShifted(cur: Float32Array, lo: Float32Array, hi: Float32Array, shifts: Int8Array, G: number, allowance: number, out: Float32Array, has: Float32Array): void {
  for (let y = 0, p = 0; y < G; y++) {
    for (let x = 0; x < G; x++, p++) {
      const dx = shifts[2 * p]!, dy = shifts[2 * p + 1]!;
      const u = x + dx, v = y + dy;
      if (dx === 0 && dy === 0) {
        has[p] = 0;
        out[p] = 0;
        continue;
      }
      has[p] = 1;
      if (u < 0 || v < 0 || u >= G || v >= G) {
        out[p] = UNSEEN;
      } else {
        const q = v * G + u;
        out[p] = excessOver(cur[p]!, lo[q]!, hi[q]!, allowance);
      }
    }
  }
}
