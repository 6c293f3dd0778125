import { Command, Option } from 'commander';
import { UsageError } from '../../errors.ts';
import { loadFarmManifest } from '../../farm/farm-manifest.ts';
import { printFarmStatus } from '../../farm/format-status.ts';
import { checkQueueName, DEFAULT_QUEUE } from '../../farm/names.ts';
import { farmStatus } from '../../farm/status.ts';
import { submitJob } from '../../farm/submit.ts';
import { runFarmWorker } from '../../farm/worker.ts';
import { defaultWorkerName } from '../../farm/worker-name.ts';
import { intOption } from '../format.ts';

const redisOption = () => new Option('--redis <url>', 'Redis URL (redis://HOST:6379[/DB], rediss:// for TLS)').env('GPEN_VIDEO_REDIS');
const queueOption = () => new Option('--queue <name>', 'BullMQ queue name').default(DEFAULT_QUEUE);

function atLeast(flag: string, min: number, value: number): number {
  if (value < min) throw new UsageError(`${flag} must be at least ${min} (got ${value})`);
  return value;
}

export function registerFarmCommands(program: Command): void {
  const farm = program.command('farm').description('render a planned job on many machines through BullMQ on Redis');

  farm
    .command('submit')
    .description('enqueue a planned job: one BullMQ job per chunk, then assemble (submitting twice adds nothing)')
    .argument('<job.json>', 'job file from `gpen-video plan`, on storage every worker sees at the same path')
    .addOption(redisOption())
    .addOption(queueOption())
    .addOption(new Option('--attempts <n>', 'runs per chunk before it fails for good').argParser(intOption).default(5))
    .addOption(new Option('--backoff <ms>', 'first retry delay; doubles with each retry').argParser(intOption).default(10_000))
    .option('--retry', 'if this job already failed, enqueue it again (rendered chunks are skipped)')
    .option('--json', 'print the result as JSON')
    .action(async (jobFile: string, flags: { redis?: string; queue: string; attempts: number; backoff: number; retry?: boolean; json?: boolean }) => {
      const manifest = await loadFarmManifest(jobFile);
      const r = await submitJob(manifest, {
        redis: flags.redis ?? '',
        queue: checkQueueName(flags.queue),
        attempts: atLeast('--attempts', 1, flags.attempts),
        backoffMs: atLeast('--backoff', 0, flags.backoff),
        retryFailed: flags.retry ?? false,
      });
      if (flags.json) process.stdout.write(`${JSON.stringify(r)}\n`);
      else if (r.created) process.stdout.write(`${r.replaced ? 'resubmitted' : 'submitted'} job ${r.jobId}: ${r.chunks} chunks and assemble on queue "${r.queue}"\n`);
      else {
        const hint = r.state === 'failed' ? '; see `farm status`, fix the cause, then submit --retry' : '';
        process.stdout.write(`job ${r.jobId} was already submitted to queue "${r.queue}" (assemble ${r.state}); nothing added${hint}\n`);
      }
    });

  farm
    .command('worker')
    .description('run chunks and assembles from the queue until SIGINT/SIGTERM (each in its own process)')
    .argument('[render-args...]', 'after `--`: extra arguments for every `render` (e.g. -- --device cuda)')
    .addOption(redisOption())
    .addOption(queueOption())
    .addOption(new Option('--concurrency <n>', 'jobs run at once on this machine').argParser(intOption).default(1))
    .option('--name <name>', 'worker name shown by `farm status` (default host:pid)')
    .addOption(new Option('--lock-duration <ms>', 'a running job whose lock is not renewed this long is taken over').argParser(intOption).default(30_000))
    .addOption(new Option('--stalled-interval <ms>', 'how often to look for jobs of dead workers').argParser(intOption).default(30_000))
    .addOption(new Option('--max-stalled <n>', 'times a job may lose its worker before it fails').argParser(intOption).default(3))
    .action(async (renderArgs: string[], flags: { redis?: string; queue: string; concurrency: number; name?: string; lockDuration: number; stalledInterval: number; maxStalled: number }) => {
      await runFarmWorker({
        redis: flags.redis ?? '',
        queue: checkQueueName(flags.queue),
        concurrency: atLeast('--concurrency', 1, flags.concurrency),
        lockDurationMs: atLeast('--lock-duration', 1000, flags.lockDuration),
        stalledIntervalMs: atLeast('--stalled-interval', 100, flags.stalledInterval),
        maxStalledCount: atLeast('--max-stalled', 0, flags.maxStalled),
        name: flags.name ?? defaultWorkerName(),
        renderArgs,
      });
    });

  farm
    .command('status')
    .description('show the state of every chunk of a submitted job and of its assemble step')
    .argument('<job.json>', 'job file from `gpen-video plan`')
    .addOption(redisOption())
    .addOption(queueOption())
    .option('--json', 'print the state as JSON')
    .action(async (jobFile: string, flags: { redis?: string; queue: string; json?: boolean }) => {
      const manifest = await loadFarmManifest(jobFile);
      const st = await farmStatus(manifest, { redis: flags.redis ?? '', queue: checkQueueName(flags.queue) });
      if (flags.json) process.stdout.write(`${JSON.stringify(st)}\n`);
      else printFarmStatus(st);
    });
}
