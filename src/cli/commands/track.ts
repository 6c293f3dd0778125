import { Command, Option } from 'commander';
import { resolveOptions } from '../../options/resolve-options.ts';
import { trackVideo } from '../../pipeline/track-video.ts';
import { numberOption } from '../format.ts';
import { withSignals } from '../signals.ts';

export function registerTrackCommand(program: Command): void {
  program
    .command('track')
    .description('detect and track every face; write tracks.json (reusable with restore --tracks)')
    .argument('<input>', 'video file')
    .requiredOption('-o, --output <tracks.json>', 'tracks file to write')
    .option('--models-dir <dir>', 'models directory')
    .addOption(new Option('--landmark-smoothing <x>', 'landmark smoothing 0..1 (0 = raw)').argParser(numberOption))
    .addOption(new Option('--detect-threshold <x>', 'face detector score threshold').argParser(numberOption))
    .option('--frames <S-E>', 'only frames S to E (E exclusive)')
    .addOption(new Option('--progress <mode>', 'progress output').choices(['bar', 'json', 'none']))
    .action(async (input: string, flags: { output: string; modelsDir?: string; landmarkSmoothing?: number; detectThreshold?: number; frames?: string; progress?: 'bar' | 'json' | 'none' }) => {
      const { output, ...rest } = flags;
      const cli = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
      const { options } = resolveOptions({ cli });
      await withSignals((signal) => trackVideo(input, output, options, signal));
    });
}
