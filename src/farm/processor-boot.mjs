// BullMQ's sandbox child imports this file with plain Node, which cannot load TypeScript: register
// tsx first (as src/runtime/worker-boot.mjs does for worker threads), then load the processor.
import { register } from 'tsx/esm/api';

register();
const { default: processFarmJob } = await import('./process-job.ts');
export default processFarmJob;
