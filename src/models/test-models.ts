import { GraphBuilder, f } from './onnx/graph-builder.ts';

export type TestModelKind = 'identity' | 'noisy';

/**
 * Restorers for tests: `identity` returns its input; `noisy` adds fresh N(0, σ²) noise on every
 * call, like a GAN inventing different detail each frame. Same I/O contract as a GPEN export.
 */
export interface TestModelIo {
  /** a fixed batch, as community exports have (default: dynamic) */
  batch?: number;
  inputName?: string;
  outputName?: string;
}

export function buildTestModel(kind: TestModelKind, size: number, sigma = 0.1, io: TestModelIo = {}): Uint8Array {
  const g = new GraphBuilder(`${kind}-${size}`);
  const batch = io.batch ?? 'batch';
  const outName = io.outputName ?? 'output';
  const input = g.input(io.inputName ?? 'input', [batch, 3, size, size]);
  if (kind === 'identity') {
    g.op('Identity', [input], {}, outName);
  } else {
    // No seed attribute: onnxruntime draws new noise on every run.
    const noise = g.op('RandomNormalLike', [input], { mean: f(0), scale: f(sigma) }, 'noise');
    g.op('Add', [input, noise], {}, outName);
  }
  g.output(outName, [batch, 3, size, size]);
  return g.toBytes({
    'gpen.architecture': `test-${kind}`,
    'gpen.size': String(size),
    ...(kind === 'noisy' ? { 'gpen.sigma': String(sigma) } : {}),
  }, `gpen-video test restorer (${kind}); not a face model`);
}
