import { Command } from 'commander';
import { assembleJob, readJob } from '../../jobs/index.ts';
import { withSignals } from '../signals.ts';

export function registerAssembleCommand(program: Command): void {
  program
    .command('assemble')
    .description('join the rendered chunks of a job, add the original audio, subtitles and chapters, and write the output')
    .argument('<job.json>', 'job file from `gpen-video plan`')
    .action(async (file: string) => {
      const job = await readJob(file);
      const result = await withSignals((signal) => assembleJob(job, { signal }));
      for (const w of result.warnings) process.stderr.write(`warning: ${w}\n`);
      process.stdout.write(result.skipped ? `${result.output} is already assembled; nothing to do\n` : `assembled ${result.output}: ${result.frames} frames from ${job.chunks.length} chunks\n`);
    });
}
