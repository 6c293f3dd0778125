import { Command, Option } from 'commander';
import { readJob, renderChunk, selectChunks } from '../../jobs/index.ts';
import { DEVICES } from '../../options/option-table.ts';
import { intOption } from '../format.ts';
import { withSignals } from '../signals.ts';

interface RenderFlags {
  chunk?: number;
  frames?: string;
  device?: (typeof DEVICES)[number];
  threads?: number;
  workers?: number;
  helperNice?: number;
  modelsDir?: string;
  progress?: 'bar' | 'json' | 'none';
}

export function registerRenderCommand(program: Command): void {
  program
    .command('render')
    .description('render chunks of a planned job (skips chunks already rendered); exit 2/3: do not retry, 75: retry')
    .argument('<job.json>', 'job file from `gpen-video plan`')
    .addOption(new Option('--chunk <k>', 'chunk index (default: SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX or AWS_BATCH_JOB_ARRAY_INDEX)').argParser(intOption))
    .option('--frames <S-E>', 'render the chunks that start within frames S…E, both inclusive (Deadline, OpenCue)')
    .addOption(new Option('--device <device>', 'execution provider').choices([...DEVICES]))
    .addOption(new Option('--threads <n>', 'onnxruntime threads per worker').argParser(intOption))
    .addOption(new Option('--workers <n>', 'inference workers').argParser(intOption))
    .addOption(new Option('--helper-nice <n>', 'nice increment for the work around a CPU model, 0..19 (0 = equal priority)').argParser(intOption))
    .option('--models-dir <dir>', 'models directory on this machine')
    .addOption(new Option('--progress <mode>', 'progress output (json: one object per line on stdout)').choices(['bar', 'json', 'none']))
    .action(async (file: string, flags: RenderFlags) => {
      const job = await readJob(file);
      const chunks = selectChunks(job, { ...(flags.chunk !== undefined ? { chunk: flags.chunk } : {}), ...(flags.frames !== undefined ? { frames: flags.frames } : {}) });
      const { chunk: _c, frames: _f, ...machine } = flags;
      await withSignals(async (signal) => {
        for (const chunk of chunks) {
          const result = await renderChunk({ job, chunk, machine, signal, warn: (m) => process.stderr.write(`warning: ${m}\n`) });
          if (!result.skipped) continue;
          if (flags.progress === 'json') process.stdout.write(`${JSON.stringify({ skipped: true, chunk: chunk.index })}\n`);
          else process.stderr.write(`chunk ${chunk.index} is already rendered; nothing to do\n`);
        }
      });
    });
}
