import type { Affine } from './affine.ts';
import type { RgbRect } from './worker-protocol.ts';

export interface PostInit {
  /** crop side S */
  size: number;
  /** temporal blend strength, 0 = off */
  strength: number;
}

export interface PostFace {
  trackId: number;
  toCrop: Affine;
  /** the aligned crop the model was given */
  input: Uint8Array;
  /** the model's output for it */
  restored: Uint8Array;
  /** the detector found the face in this frame (false: carried through a gap, likely hidden) */
  seen: boolean;
}

/**
 * One frame, in frame order: the blender first forgets what the frame says is gone (a scene cut,
 * tracks no longer present), then each face is blended and pasted into `frame`, the rectangle of
 * the frame that the pastes may write (pasteRect of every face), which goes back with the reply.
 */
export interface PostRequest {
  type: 'frame';
  id: number;
  index: number;
  sceneCut: boolean;
  live: number[];
  frame: RgbRect | null;
  faces: PostFace[];
}

export type PostReply =
  | { type: 'ready' }
  | { type: 'done'; id: number; frame: RgbRect | null; blendMs: number; pasteMs: number; cpu: { blend: number; paste: number } }
  | { type: 'error'; id: number | null; message: string; code: string };
