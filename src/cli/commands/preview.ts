import { Command, Option } from 'commander';
import { getPreset } from '../../options/presets.ts';
import { resolveOptions } from '../../options/resolve-options.ts';
import { previewFrame } from '../../pipeline/preview.ts';
import { intOption } from '../format.ts';
import { withSignals } from '../signals.ts';
import { addRestoreOptions, cliLayer } from './restore.ts';

export function registerPreviewCommand(program: Command): void {
  addRestoreOptions(
    program
      .command('preview')
      .description('draw one frame with every track (box, id, landmarks), beside it restored when the model is installed')
      .argument('<input>', 'video file')
      .addOption(new Option('--frame <n>', 'frame index').argParser(intOption).default(0))
      .requiredOption('-o, --output <file.png>', 'image to write'),
  ).action(async (input: string, flags: Parameters<typeof cliLayer>[0] & { frame: number }) => {
    const resolved = resolveOptions({ cli: cliLayer(flags), ...(flags.preset ? { preset: getPreset(flags.preset) } : {}) });
    const r = await withSignals((signal) => previewFrame(input, flags.output, flags.frame, resolved.options, signal));
    process.stdout.write(`wrote ${flags.output}: frame ${flags.frame}, ${r.faces} face(s)${r.restored ? ', original | restored' : ' (restorer not installed: tracks only)'}\n`);
  });
}
