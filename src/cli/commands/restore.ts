import { Command, Option } from 'commander';
import { CODECS, DEVICES, type PartialRestoreOptions } from '../../options/option-table.ts';
import { getPreset } from '../../options/presets.ts';
import { explainOptions, resolveOptions } from '../../options/resolve-options.ts';
import { restoreMedia } from '../../pipeline/restore-media.ts';
import { withSignals } from '../signals.ts';
import { intOption, numberOption } from '../format.ts';

export interface RestoreFlags {
  output: string;
  preset?: string;
  model?: string;
  modelsDir?: string;
  device?: (typeof DEVICES)[number];
  threads?: number;
  workers?: number;
  batch?: number;
  helperNice?: number;
  fp16?: boolean;
  template?: 'gpen' | 'ffhq';
  temporalBlend?: number;
  landmarkSmoothing?: number;
  detectThreshold?: number;
  frames?: string;
  codec?: (typeof CODECS)[number];
  crf?: number;
  encoderPreset?: string;
  pixFmt?: string;
  progress?: 'bar' | 'json' | 'none';
  tracks?: string;
  overwrite?: boolean;
  explain?: boolean;
}

/** Flags that map one-to-one onto the option table (the rest steer the command itself). */
const TABLE_KEYS = ['model', 'modelsDir', 'device', 'threads', 'workers', 'batch', 'helperNice', 'fp16', 'template', 'temporalBlend', 'landmarkSmoothing', 'detectThreshold', 'frames', 'codec', 'crf', 'encoderPreset', 'pixFmt', 'progress'] as const;

export function cliLayer(flags: RestoreFlags): PartialRestoreOptions {
  const layer: Record<string, unknown> = {};
  for (const k of TABLE_KEYS) if (flags[k] !== undefined) layer[k] = flags[k];
  return layer as PartialRestoreOptions;
}

export function addRestoreOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--preset <name>', 'fast | balanced | quality | max | archival, or a preset .json file'))
    .option('--model <name|path>', 'restorer: registry name, .onnx or .pth')
    .option('--models-dir <dir>', 'models directory')
    .addOption(new Option('--device <device>', 'execution provider').choices([...DEVICES]))
    .addOption(new Option('--threads <n>', 'onnxruntime threads per worker').argParser(intOption))
    .addOption(new Option('--workers <n>', 'inference workers').argParser(intOption))
    .addOption(new Option('--batch <n>', 'faces per inference call').argParser(intOption))
    .addOption(new Option('--helper-nice <n>', 'nice increment for the work around a CPU model, 0..19 (0 = equal priority)').argParser(intOption))
    .option('--fp16', 'convert checkpoints with float16 weights')
    .addOption(new Option('--template <name>', 'alignment template').choices(['gpen', 'ffhq']))
    .addOption(new Option('--temporal-blend <x>', 'temporal blending 0..1 (0 = off)').argParser(numberOption))
    .addOption(new Option('--landmark-smoothing <x>', 'landmark smoothing 0..1 (0 = raw)').argParser(numberOption))
    .addOption(new Option('--detect-threshold <x>', 'face detector score threshold').argParser(numberOption))
    .option('--frames <S-E>', 'only frames S to E (E exclusive)')
    .addOption(new Option('--codec <codec>', 'video encoder').choices([...CODECS]))
    .addOption(new Option('--crf <n>', 'encoder quality').argParser(intOption))
    .option('--encoder-preset <name>', 'x264/x265 speed preset')
    .option('--pix-fmt <fmt>', 'output pixel format')
    .addOption(new Option('--progress <mode>', 'progress output').choices(['bar', 'json', 'none']))
    .option('--explain', 'print every resolved option and where it came from');
}

export function registerRestoreCommand(program: Command): void {
  addRestoreOptions(
    program
      .command('restore')
      .description('restore every face in a video (or a still image) and keep its sound')
      .argument('<input>', 'video or image file')
      .requiredOption('-o, --output <file>', 'output file (its extension picks the container or image format)')
      .option('--tracks <tracks.json>', 'reuse tracks from `gpen-video track` instead of detecting again')
      .option('--overwrite', 'replace an existing output file'),
  ).action(async (input: string, flags: RestoreFlags) => {
    const resolved = resolveOptions({ cli: cliLayer(flags), ...(flags.preset ? { preset: getPreset(flags.preset) } : {}) });
    if (flags.explain) process.stderr.write(`${explainOptions(resolved)}\n`);
    await withSignals((signal) =>
      restoreMedia({
        input,
        output: flags.output,
        options: resolved.options,
        overwrite: flags.overwrite ?? false,
        ...(flags.tracks ? { tracksFile: flags.tracks } : {}),
        signal,
        warn: (m) => process.stderr.write(`warning: ${m}\n`),
      }),
    );
  });
}
