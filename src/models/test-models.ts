import { GraphBuilder, f } from './onnx/graph-builder.ts';

export type TestModelKind = 'identity' | 'noisy';

/**
 * Restorers for tests: `identity` returns its input; `noisy` adds fresh N(0, σ²) noise on every
 * call, like a GAN inventing different detail each frame. Same I/O contract as a GPEN export.
 */
export function buildTestModel(kind: TestModelKind, size: number, sigma = 0.1): Uint8Array {
  const g = new GraphBuilder(`${kind}-${size}`);
  const input = g.input('input', ['batch', 3, size, size]);
  if (kind === 'identity') {
    g.op('Identity', [input], {}, 'output');
  } else {
    // No seed attribute: onnxruntime draws new noise on every run.
    const noise = g.op('RandomNormalLike', [input], { mean: f(0), scale: f(sigma) }, 'noise');
    g.op('Add', [input, noise], {}, 'output');
  }
  g.output('output', ['batch', 3, size, size]);
  return g.toBytes({
    'gpen.architecture': `test-${kind}`,
    'gpen.size': String(size),
    ...(kind === 'noisy' ? { 'gpen.sigma': String(sigma) } : {}),
  }, `gpen-video test restorer (${kind}); not a face model`);
}
