import type { Command } from 'commander';
import { getPreset, listPresets } from '../../options/presets.ts';
import { explainOptions, resolveOptions } from '../../options/resolve-options.ts';
import { printTable } from '../format.ts';

export function registerPresetsCommands(program: Command): void {
  const presets = program.command('presets').description('quality/speed presets for restore');
  presets
    .command('list')
    .description('the presets and what they are for')
    .action(() => {
      printTable(['name', 'model', 'codec', 'description'], listPresets().map((p) => [p.name, p.options.model ?? '-', p.options.codec ?? '-', p.description]));
    });
  presets
    .command('show')
    .description('every option a preset resolves to, and where each value comes from')
    .argument('<name>', 'preset name or .json file')
    .action((name: string) => {
      const preset = getPreset(name);
      process.stdout.write(`${preset.name}: ${preset.description}\n\n${explainOptions(resolveOptions({ preset }))}\n`);
    });
}
