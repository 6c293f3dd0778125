// Child process entry (argv: source model, destination): loads the model with every onnxruntime
// graph optimization for this CPU and saves the optimized graph. A process of its own because the
// load holds the weights twice while they are rewritten; that peak must not count against the
// pipeline's memory (see cpu-optimized-model.ts).
import * as ort from 'onnxruntime-node';

const [source, destination] = process.argv.slice(2);
if (!source || !destination) throw new Error('usage: optimize-model-child.mjs SOURCE DESTINATION');
const session = await ort.InferenceSession.create(source, {
  executionProviders: ['cpu'],
  graphOptimizationLevel: 'all',
  optimizedModelFilePath: destination,
  // onnxruntime warns that the saved graph is specific to this CPU: that is why the cache key names the CPU.
  logSeverityLevel: 3,
  intraOpNumThreads: 1,
});
await session.release();
