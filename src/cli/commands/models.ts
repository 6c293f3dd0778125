import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import { UsageError, ModelError } from '../../errors.ts';
import { convertCheckpoint, writeRandomGpen, writeTestModel } from '../../models/convert.ts';
import { fetchModels } from '../../models/fetch.ts';
import { formatBytes } from '../../models/fetch-progress.ts';
import { resolveModelsDir } from '../../models/models-dir.ts';
import type { WeightPrecision } from '../../models/onnx/graph-builder.ts';
import { PRECISION_SUFFIX } from '../../models/resolve.ts';
import { listModels } from '../../models/registry.ts';
import { verifyModels } from '../../models/verify.ts';
import { intOption, numberOption, printTable } from '../format.ts';

/** --half (float16 arithmetic) implies float16 weights, so it wins over --fp16. */
const precisionFlag = (o: { fp16?: boolean; half?: boolean }): WeightPrecision => (o.half ? 'half' : o.fp16 ? 'float16' : 'float32');
const PRECISION_WORDS: Record<WeightPrecision, string> = { float32: 'float32 weights', float16: 'float16 weights, float32 arithmetic', half: 'float16 weights and arithmetic (float32 inputs and outputs)' };

const modelsDirOption = () => new Option('--models-dir <dir>', 'models directory (default: $GPEN_VIDEO_MODELS, else the per-user cache)');

export function registerModelsCommands(program: Command): void {
  const models = program.command('models').description('list, fetch, verify, convert and build models');

  models
    .command('list')
    .description('known models, whether they are installed, their sizes and licences')
    .addOption(modelsDirOption())
    .option('--json', 'print JSON')
    .action((opts: { modelsDir?: string; json?: boolean }) => {
      const dir = resolveModelsDir({ cliDir: opts.modelsDir });
      const rows = listModels().map((m) => {
        const file = path.join(dir.dir, m.file);
        const installed = existsSync(file) ? statSync(file).size : null;
        return { name: m.name, kind: m.kind, format: m.format, size: m.size, bytes: m.bytes, installed, file, licence: m.licence, url: m.url };
      });
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ modelsDir: dir.dir, source: dir.source, models: rows }, null, 2)}\n`);
        return;
      }
      process.stdout.write(`models directory: ${dir.dir} (${dir.source})\n\n`);
      printTable(
        ['name', 'kind', 'crop', 'download', 'installed', 'licence'],
        rows.map((r) => [r.name, `${r.kind} (${r.format})`, r.size ? `${r.size}px` : '-', r.bytes ? formatBytes(r.bytes) : '?', r.installed === null ? 'no' : `yes, ${formatBytes(r.installed)}`, r.licence]),
      );
    });

  models
    .command('fetch')
    .description('download models (resumable, checksum-verified)')
    .argument('<names...>', 'model names from `models list`')
    .addOption(modelsDirOption())
    .option('--force', 'download again even if an installed copy verifies')
    .option('--mirror <url>', 'fetch from a mirror with the same paths')
    .action(async (names: string[], opts: { modelsDir?: string; force?: boolean; mirror?: string }) => {
      const dir = resolveModelsDir({ cliDir: opts.modelsDir });
      const ac = new AbortController();
      const onSigint = () => ac.abort();
      process.once('SIGINT', onSigint);
      try {
        const results = await fetchModels(names, dir, {
          signal: ac.signal,
          ...(opts.force ? { force: true } : {}),
          ...(opts.mirror ? { baseUrl: opts.mirror } : {}),
        });
        for (const r of results) {
          process.stdout.write(`${r.name}: ${r.status} ${r.path} (${formatBytes(r.bytes)}, sha256 ${r.sha256}${r.verified ? ', verified' : ', no published checksum'})\n`);
        }
      } finally {
        process.off('SIGINT', onSigint);
      }
    });

  models
    .command('verify')
    .description('check the checksums of installed models')
    .addOption(modelsDirOption())
    .option('--json', 'print JSON')
    .action(async (opts: { modelsDir?: string; json?: boolean }) => {
      const dir = resolveModelsDir({ cliDir: opts.modelsDir });
      const rows = await verifyModels(dir.dir);
      if (opts.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      else if (rows.length === 0) process.stdout.write(`no models installed in ${dir.dir}\n`);
      else printTable(['file', 'model', 'bytes', 'status', 'sha256'], rows.map((r) => [r.file, r.name ?? '-', formatBytes(r.bytes), r.status, r.actual ?? '-']));
      const bad = rows.filter((r) => r.status === 'mismatch');
      if (bad.length > 0) {
        throw new ModelError('E_CHECKSUM', `${bad.length} model file(s) in ${dir.dir} do not match their published checksum: ${bad.map((r) => r.file).join(', ')}. Fetch them again with \`npx gpen-video models fetch --force ${bad.map((r) => r.name).join(' ')}\`.`);
      }
    });

  models
    .command('convert')
    .description('convert an official GPEN checkpoint (.pth/.pt) to ONNX with a dynamic batch')
    .argument('<input>', 'checkpoint file')
    .requiredOption('-o, --output <file>', 'ONNX file to write')
    .option('--fp16', 'store weights as float16 (half the file; arithmetic stays float32)')
    .option('--half', 'float16 weights and float16 arithmetic on the feature maps (for GPUs; inputs and outputs stay float32)')
    .option('--key <key>', 'nested state_dict key, e.g. g_ema')
    .action(async (input: string, opts: { output: string; fp16?: boolean; half?: boolean; key?: string }) => {
      const precision = precisionFlag(opts);
      const cfg = await convertCheckpoint(input, path.resolve(opts.output), {
        precision,
        ...(opts.key ? { key: opts.key } : {}),
      });
      process.stdout.write(`wrote ${opts.output}: GPEN ${cfg.size}×${cfg.size}, channel_multiplier ${cfg.channelMultiplier ?? '-'}, narrow ${cfg.narrow}, ${PRECISION_WORDS[precision]}\n`);
    });

  models
    .command('build-random')
    .description('write a GPEN-architecture model with RANDOM weights (for benchmarks; outputs are not faces)')
    .addOption(new Option('--size <n>', 'crop size S').argParser(intOption).makeOptionMandatory())
    .addOption(new Option('--channel-multiplier <n>', 'channel multiplier (default: 1 up to 256, else 2, as the official models)').argParser(intOption))
    .addOption(new Option('--narrow <x>', 'channel narrowing (default: 0.5 up to 256, else 1)').argParser(numberOption))
    .addOption(new Option('--seed <n>', 'random seed').argParser(intOption).default(1))
    .option('--fp16', 'store weights as float16')
    .option('--half', 'float16 weights and float16 arithmetic on the feature maps (for GPUs)')
    .option('-o, --output <file>', 'ONNX file to write (default: gpen-random-<S>.onnx)')
    .action(async (opts: { size: number; channelMultiplier?: number; narrow?: number; seed: number; fp16?: boolean; half?: boolean; output?: string }) => {
      const precision = precisionFlag(opts);
      const output = path.resolve(opts.output ?? `gpen-random-${opts.size}${PRECISION_SUFFIX[precision]}.onnx`);
      let cfg;
      try {
        cfg = await writeRandomGpen(output, {
          size: opts.size,
          seed: opts.seed,
          precision,
          ...(opts.channelMultiplier === undefined ? {} : { channelMultiplier: opts.channelMultiplier }),
          ...(opts.narrow === undefined ? {} : { narrow: opts.narrow }),
        });
      } catch (e) {
        if (e instanceof RangeError) throw new UsageError(e.message);
        throw e;
      }
      process.stdout.write(`wrote ${output}: RANDOM-weight GPEN ${cfg.size}×${cfg.size} (channel_multiplier ${cfg.channelMultiplier}, narrow ${cfg.narrow}); for benchmarks only\n`);
    });

  models
    .command('build-test')
    .description('write a test restorer: identity (output = input) or noisy (input + fresh Gaussian noise)')
    .addArgument(new Command().createArgument('<kind>', 'identity | noisy').choices(['identity', 'noisy']))
    .addOption(new Option('--size <n>', 'crop size S').argParser(intOption).makeOptionMandatory())
    .addOption(new Option('--sigma <x>', 'noise σ in model units ([-1,1] range)').argParser(numberOption).default(0.1))
    .requiredOption('-o, --output <file>', 'ONNX file to write')
    .action(async (kind: 'identity' | 'noisy', opts: { size: number; sigma: number; output: string }) => {
      await writeTestModel(path.resolve(opts.output), kind, opts.size, opts.sigma);
      process.stdout.write(`wrote ${opts.output}: ${kind} test restorer, ${opts.size}×${opts.size}${kind === 'noisy' ? `, σ ${opts.sigma}` : ''}\n`);
    });
}
