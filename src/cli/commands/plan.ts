import { Command, Option } from 'commander';
import { UsageError } from '../../errors.ts';
import { DEFAULT_CHUNK_FRAMES, planJob } from '../../jobs/index.ts';
import { getPreset } from '../../options/presets.ts';
import { explainOptions, resolveOptions } from '../../options/resolve-options.ts';
import { intOption } from '../format.ts';
import { withSignals } from '../signals.ts';
import { addRestoreOptions, cliLayer, type RestoreFlags } from './restore.ts';

interface PlanFlags extends RestoreFlags {
  job: string;
  chunkFrames?: number;
  chunks?: number;
}

export function registerPlanCommand(program: Command): void {
  addRestoreOptions(
    program
      .command('plan')
      .description('track faces over the whole video once and write a render-farm job: chunks to render anywhere, then assemble')
      .argument('<input>', 'video file')
      .requiredOption('-o, --output <file>', 'the final output video (written by `assemble`)')
      .requiredOption('--job <job.json>', 'job file to write (its tracks file and chunk folder go beside it)')
      .addOption(new Option('--chunk-frames <n>', `frames per chunk (default ${DEFAULT_CHUNK_FRAMES})`).argParser(intOption).conflicts('chunks'))
      .addOption(new Option('--chunks <n>', 'number of chunks, as even as whole frames allow').argParser(intOption))
      .option('--overwrite', 'let `assemble` replace an existing output file'),
  ).action(async (input: string, flags: PlanFlags) => {
    for (const [name, v] of [['--chunk-frames', flags.chunkFrames], ['--chunks', flags.chunks]] as const) {
      if (v !== undefined && v < 1) throw new UsageError(`${name} must be at least 1, got ${v}.`, 'E_USAGE_CHUNKS');
    }
    const resolved = resolveOptions({ cli: cliLayer(flags), ...(flags.preset ? { preset: getPreset(flags.preset) } : {}) });
    if (flags.explain) process.stderr.write(`${explainOptions(resolved)}\n`);
    const chunking = flags.chunks !== undefined ? { chunks: flags.chunks } : { frames: flags.chunkFrames ?? DEFAULT_CHUNK_FRAMES };
    const job = await withSignals((signal) => planJob({ input, output: flags.output, jobFile: flags.job, resolved, chunking, overwrite: flags.overwrite ?? false, signal }));
    process.stdout.write(`planned ${job.file}: ${job.input.frames} frames in ${job.chunks.length} chunks (id ${job.id}). Render each with \`gpen-video render ${job.file} --chunk K\` (K = 0–${job.chunks.length - 1}), then \`gpen-video assemble ${job.file}\`.\n`);
  });
}
