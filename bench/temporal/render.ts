/**
 * Frame synthesis for the temporal benchmark: layers (a still, or a face cut out of one with a
 * soft alpha) moved by known similarity transforms and composited with bicubic sampling, then
 * degraded (blur, noise, grain, JPEG). Everything is deterministic: the same spec gives the same
 * bytes, so the landmarks' true trajectories are exactly the known transforms of a reference.
 */
import sharp from 'sharp';

/** x' = a·x + b·y + c, y' = d·x + e·y + f, stored [a, b, c, d, e, f]. */
export type Affine = readonly [number, number, number, number, number, number];
export type Pt = readonly [number, number];

export function applyAffine(m: Affine, p: Pt): [number, number] {
  return [m[0] * p[0] + m[1] * p[1] + m[2], m[3] * p[0] + m[4] * p[1] + m[5]];
}

export function invertAffine(m: Affine): Affine {
  const det = m[0] * m[4] - m[1] * m[3];
  const a = m[4] / det, b = -m[1] / det, d = -m[3] / det, e = m[0] / det;
  return [a, b, -(a * m[2] + b * m[5]), d, e, -(d * m[2] + e * m[5])];
}

/** Translate by (dx, dy) after m. */
export function shifted(m: Affine, dx: number, dy: number): Affine {
  return [m[0], m[1], m[2] + dx, m[3], m[4], m[5] + dy];
}

/**
 * The similarity that puts source point `anchor` at frame point `at`, scaled by `scale` and
 * turned by `angle` radians (counter-clockwise on screen is negative: y points down).
 */
export function placeAt(anchor: Pt, at: Pt, scale: number, angle = 0): Affine {
  const c = Math.cos(angle) * scale, s = Math.sin(angle) * scale;
  return [c, -s, at[0] - (c * anchor[0] - s * anchor[1]), s, c, at[1] - (s * anchor[0] + c * anchor[1])];
}

/** Interleaved RGB, float 0–255. */
export interface FloatImage {
  width: number;
  height: number;
  data: Float32Array;
}

export interface Layer {
  image: FloatImage;
  /** source pixels → frame pixels at local frame t */
  pose: (t: number) => Affine;
  /** soft alpha over the image (width × height, 0–1), or null: opaque, the image mirrored beyond its edges */
  alpha: Float32Array | null;
}

/** Loads a still (alpha dropped), optionally cropped to [left, top, width, height] first, resized by `scale` with Lanczos. */
export async function loadStill(file: string, scale: number, crop?: readonly [number, number, number, number]): Promise<FloatImage> {
  const meta = await sharp(file).metadata();
  const [left, top, w, h] = crop ?? [0, 0, meta.width!, meta.height!];
  const width = Math.round(w * scale);
  const height = Math.round(h * scale);
  const { data } = await sharp(file).extract({ left, top, width: w, height: h }).removeAlpha().resize(width, height, { kernel: 'lanczos3', fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
  return { width, height, data: Float32Array.from(data) };
}

export function cropImage(img: FloatImage, x0: number, y0: number, w: number, h: number): FloatImage {
  const out = new Float32Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const sx = reflect(x0 + x, img.width), sy = reflect(y0 + y, img.height);
      const s = (sy * img.width + sx) * 3, o = (y * w + x) * 3;
      out[o] = img.data[s]!; out[o + 1] = img.data[s + 1]!; out[o + 2] = img.data[s + 2]!;
    }
  }
  return { width: w, height: h, data: out };
}

/** A soft ellipse (centre, radii, feather as a fraction of the radius) over a w × h image. */
export function ellipseAlpha(w: number, h: number, cx: number, cy: number, rx: number, ry: number, feather = 0.18): Float32Array {
  const a = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const r = Math.hypot((x - cx) / rx, (y - cy) / ry);
      const t = (1 - r) / feather;
      a[y * w + x] = t >= 1 ? 1 : t <= 0 ? 0 : t * t * (3 - 2 * t);
    }
  }
  return a;
}

/** A smooth, faceless, textured backdrop (gradients and soft blobs), deterministic per seed. */
export function backdrop(width: number, height: number, seed: number): FloatImage {
  const rnd = uniform(seed);
  const waves = Array.from({ length: 6 }, () => ({ fx: (rnd() - 0.5) * 0.05, fy: (rnd() - 0.5) * 0.05, ph: rnd() * 6.28, amp: 12 + 18 * rnd(), ch: [rnd(), rnd(), rnd()] }));
  const base = [60 + 80 * rnd(), 60 + 80 * rnd(), 60 + 80 * rnd()];
  const data = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) {
        let v = base[c]! + (40 * x) / width - (30 * y) / height;
        for (const w of waves) v += w.amp * w.ch[c]! * Math.sin(w.fx * x + w.fy * y + w.ph);
        data[o + c] = v;
      }
    }
  }
  return { width, height, data };
}

function reflect(i: number, n: number): number {
  if (n === 1) return 0;
  const p = 2 * (n - 1);
  let j = ((i % p) + p) % p;
  if (j >= n) j = p - j;
  return j;
}

const cubicW = (t: number, w: Float64Array): void => {
  const t2 = t * t, t3 = t2 * t;
  w[0] = -0.5 * t3 + t2 - 0.5 * t;
  w[1] = 1.5 * t3 - 2.5 * t2 + 1;
  w[2] = -1.5 * t3 + 2 * t2 + 0.5 * t;
  w[3] = 0.5 * t3 - 0.5 * t2;
};

/** Keys bicubic sample of `img` at (x, y) (pixel centres on integers), mirrored edges, into out[0..2]. */
function sampleCubic(img: FloatImage, x: number, y: number, wx: Float64Array, wy: Float64Array, out: Float64Array): void {
  const x0 = Math.floor(x), y0 = Math.floor(y);
  cubicW(x - x0, wx);
  cubicW(y - y0, wy);
  out[0] = 0; out[1] = 0; out[2] = 0;
  const W = img.width, H = img.height, d = img.data;
  for (let j = 0; j < 4; j++) {
    const row = reflect(y0 + j - 1, H) * W;
    let r = 0, g = 0, b = 0;
    for (let i = 0; i < 4; i++) {
      const o = (row + reflect(x0 + i - 1, W)) * 3;
      const q = wx[i]!;
      r += d[o]! * q; g += d[o + 1]! * q; b += d[o + 2]! * q;
    }
    const q = wy[j]!;
    out[0] += r * q; out[1] += g * q; out[2] += b * q;
  }
}

function sampleAlpha(a: Float32Array, W: number, H: number, x: number, y: number): number {
  if (!(x >= 0 && y >= 0 && x <= W - 1 && y <= H - 1)) return 0;
  const x0 = Math.floor(x), y0 = Math.floor(y);
  const x1 = Math.min(W - 1, x0 + 1), y1 = Math.min(H - 1, y0 + 1);
  const fx = x - x0, fy = y - y0;
  return (a[y0 * W + x0]! * (1 - fx) + a[y0 * W + x1]! * fx) * (1 - fy) + (a[y1 * W + x0]! * (1 - fx) + a[y1 * W + x1]! * fx) * fy;
}

/** Alpha of `layer` at frame point p (1 for opaque layers). */
export function layerAlphaAt(layer: Layer, t: number, p: Pt): number {
  if (!layer.alpha) return 1;
  const q = applyAffine(invertAffine(layer.pose(t)), p);
  return sampleAlpha(layer.alpha, layer.image.width, layer.image.height, q[0], q[1]);
}

/** Composites the layers at local frame t (each pose optionally post-shifted) into a float frame. */
export function renderFrame(layers: readonly Layer[], t: number, width: number, height: number, shift: Pt = [0, 0]): Float32Array {
  const out = new Float32Array(width * height * 3);
  const wx = new Float64Array(4), wy = new Float64Array(4), px = new Float64Array(3);
  for (const layer of layers) {
    const pose = shifted(layer.pose(t), shift[0], shift[1]);
    const inv = invertAffine(pose);
    const { width: W, height: H } = layer.image;
    let x0 = 0, x1 = width - 1, y0 = 0, y1 = height - 1;
    if (layer.alpha) {
      const c = [applyAffine(pose, [0, 0]), applyAffine(pose, [W - 1, 0]), applyAffine(pose, [0, H - 1]), applyAffine(pose, [W - 1, H - 1])];
      x0 = Math.max(0, Math.floor(Math.min(...c.map((p) => p[0]))));
      x1 = Math.min(width - 1, Math.ceil(Math.max(...c.map((p) => p[0]))));
      y0 = Math.max(0, Math.floor(Math.min(...c.map((p) => p[1]))));
      y1 = Math.min(height - 1, Math.ceil(Math.max(...c.map((p) => p[1]))));
    }
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const u = inv[0] * x + inv[1] * y + inv[2];
        const v = inv[3] * x + inv[4] * y + inv[5];
        const a = layer.alpha ? sampleAlpha(layer.alpha, W, H, u, v) : 1;
        if (a <= 0) continue;
        sampleCubic(layer.image, u, v, wx, wy, px);
        const o = (y * width + x) * 3;
        for (let c = 0; c < 3; c++) out[o + c] = out[o + c]! + a * (px[c]! - out[o + c]!);
      }
    }
  }
  return out;
}

export type Degradation =
  | { kind: 'blur'; sigma: number }
  | { kind: 'noise'; sigma: number }
  | { kind: 'grain'; sigma: number; size: number }
  | { kind: 'jpeg'; quality: number };

export function describeDegradation(d: Degradation): string {
  switch (d.kind) {
    case 'blur': return `blur σ${d.sigma}`;
    case 'noise': return `noise σ${d.sigma}`;
    case 'grain': return `grain σ${d.sigma}`;
    case 'jpeg': return `JPEG q${d.quality}`;
  }
}

/** Applies the degradations in order (fresh noise per frame from `seed`) and quantises to rgb24. */
export async function degrade(frame: Float32Array, width: number, height: number, steps: readonly Degradation[], seed: number): Promise<Buffer> {
  let f = frame;
  const gauss = gaussian(seed);
  let jpeg: number | null = null;
  for (const d of steps) {
    if (d.kind === 'blur') f = blurRgb(f, width, height, d.sigma);
    else if (d.kind === 'noise') {
      f = Float32Array.from(f);
      for (let i = 0; i < f.length; i++) f[i]! += d.sigma * gauss();
    } else if (d.kind === 'grain') {
      // Film grain: monochrome, spatially correlated, rescaled to the given std after blurring.
      const white = new Float32Array(width * height);
      for (let i = 0; i < white.length; i++) white[i] = gauss();
      const g = blurPlane(white, width, height, d.size);
      let ss = 0;
      for (const v of g) ss += v * v;
      const k = d.sigma / Math.sqrt(ss / g.length);
      f = Float32Array.from(f);
      for (let p = 0; p < g.length; p++) for (let c = 0; c < 3; c++) f[p * 3 + c]! += k * g[p]!;
    } else jpeg = d.quality;
  }
  const bytes = Buffer.alloc(width * height * 3);
  for (let i = 0; i < bytes.length; i++) {
    const v = f[i]!;
    bytes[i] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
  }
  if (jpeg === null) return bytes;
  const encoded = await sharp(bytes, { raw: { width, height, channels: 3 } }).jpeg({ quality: jpeg, chromaSubsampling: '4:2:0' }).toBuffer();
  return sharp(encoded).removeAlpha().raw().toBuffer();
}

function kernel(sigma: number): Float64Array {
  const r = Math.max(1, Math.ceil(3 * sigma));
  const k = new Float64Array(2 * r + 1);
  let s = 0;
  for (let i = -r; i <= r; i++) s += k[i + r] = Math.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i]! /= s;
  return k;
}

function blurPlane(p: Float32Array, w: number, h: number, sigma: number): Float32Array {
  return blurChannels(p, w, h, 1, sigma);
}

function blurRgb(p: Float32Array, w: number, h: number, sigma: number): Float32Array {
  return blurChannels(p, w, h, 3, sigma);
}

function blurChannels(src: Float32Array, w: number, h: number, ch: number, sigma: number): Float32Array {
  const k = kernel(sigma);
  const r = (k.length - 1) / 2;
  const tmp = new Float32Array(src.length);
  const out = new Float32Array(src.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < ch; c++) {
        let s = 0;
        for (let i = -r; i <= r; i++) s += k[i + r]! * src[(y * w + reflect(x + i, w)) * ch + c]!;
        tmp[(y * w + x) * ch + c] = s;
      }
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < ch; c++) {
        let s = 0;
        for (let i = -r; i <= r; i++) s += k[i + r]! * tmp[(reflect(y + i, h) * w + x) * ch + c]!;
        out[(y * w + x) * ch + c] = s;
      }
    }
  }
  return out;
}

/** xorshift32 uniform in (0, 1). */
export function uniform(seed: number): () => number {
  let s = seed >>> 0 || 0x9e3779b9;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) + 0.5) / 2 ** 32;
  };
}

/** Standard normal (Box–Muller over xorshift32). */
export function gaussian(seed: number): () => number {
  const u = uniform(seed);
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

/** For every frame pixel, the index of the front-most layer that covers it (alpha ≥ 0.5) at local frame t. */
export function topLayerMap(layers: readonly Layer[], t: number, width: number, height: number): Int8Array {
  const top = new Int8Array(width * height);
  layers.forEach((layer, j) => {
    if (!layer.alpha) {
      top.fill(j);
      return;
    }
    const inv = invertAffine(layer.pose(t));
    const { width: W, height: H } = layer.image;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const u = inv[0] * x + inv[1] * y + inv[2];
        const v = inv[3] * x + inv[4] * y + inv[5];
        if (sampleAlpha(layer.alpha, W, H, u, v) >= 0.5) top[y * width + x] = j;
      }
    }
  });
  return top;
}
