// Post-inference worker: owns the temporal blender and pastes restored faces into the frame
// rectangles it is sent, one frame at a time in the order the frames are sent (the blend is sequential).
import { parentPort, workerData } from 'node:worker_threads';
import { PostProcessor } from './post-process.ts';
import type { PostInit, PostReply, PostRequest } from './post-protocol.ts';

const port = parentPort!;
const post = (msg: PostReply, transfer: ArrayBuffer[] = []) => port.postMessage(msg, transfer);
const processor = new PostProcessor(workerData as PostInit);

port.on('message', (req: PostRequest) => {
  try {
    const times = processor.process(req);
    post({ type: 'done', id: req.id, frame: req.frame, ...times }, req.frame ? [req.frame.data.buffer as ArrayBuffer] : []);
  } catch (e) {
    post({ type: 'error', id: req.id, message: e instanceof Error ? e.message : String(e), code: 'E_PASTE' });
  }
});
post({ type: 'ready' });
