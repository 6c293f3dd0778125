import { describe, expect, it } from 'vitest';
import type { Affine } from '../../src/restore/affine.ts';
import { PostProcessor } from '../../src/restore/post-process.ts';
import type { PostFace } from '../../src/restore/post-protocol.ts';

const S = 64;

/** frame → crop for a face whose crop covers `side` frame pixels centred at (cx, cy) */
function toCrop(cx: number, cy: number, side: number): Affine {
  const s = S / side;
  return [s, 0, -(cx - side / 2) * s, 0, s, -(cy - side / 2) * s];
}

function face(trackId: number, m: Affine, rgb: [number, number, number], seen = true): PostFace {
  const input = new Uint8Array(S * S * 3).fill(128);
  const restored = new Uint8Array(S * S * 3);
  for (let i = 0; i < restored.length; i += 3) restored.set(rgb, i);
  return { trackId, toCrop: m, input, restored, seen };
}

function pasteOrder(order: 'large-first' | 'small-first', largeSeen = true): number[] {
  const W = 220;
  const frame = { width: W, height: W, data: new Uint8Array(W * W * 3).fill(128), at: [0, 0] as [number, number] };
  const near = face(1, toCrop(100, 100, 120), [255, 0, 0], largeSeen); // large in the frame: the nearer face
  const far = face(2, toCrop(112, 100, 60), [0, 0, 255]); // small, overlapping it
  const post = new PostProcessor({ size: S, strength: 0 });
  post.process({ index: 0, sceneCut: false, live: [1, 2], frame, faces: order === 'large-first' ? [near, far] : [far, near] });
  const at = (x: number, y: number) => [...frame.data.subarray(3 * (y * W + x), 3 * (y * W + x) + 3)];
  return at(110, 100);
}

describe('PostProcessor', () => {
  it('pastes overlapping faces back to front: the larger (nearer) face shows where they overlap, whatever the order given', () => {
    expect(pasteOrder('large-first')).toEqual([255, 0, 0]);
    expect(pasteOrder('small-first')).toEqual([255, 0, 0]);
  });

  it('a face the detector did not find in this frame (carried through a gap: hidden) goes behind the ones it found', () => {
    expect(pasteOrder('large-first', false)).toEqual([0, 0, 255]);
    expect(pasteOrder('small-first', false)).toEqual([0, 0, 255]);
  });
});
