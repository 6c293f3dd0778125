import { Command } from 'commander';
import { registerModelsCommands } from './commands/models.ts';
import { registerPresetsCommands } from './commands/presets.ts';
import { registerRestoreCommand } from './commands/restore.ts';
import { registerTrackCommand } from './commands/track.ts';
import { registerPreviewCommand } from './commands/preview.ts';
import { registerPlanCommand } from './commands/plan.ts';
import { registerRenderCommand } from './commands/render.ts';
import { registerAssembleCommand } from './commands/assemble.ts';
import { registerFarmCommands } from './commands/farm.ts';
import { runCommand } from './run-command.ts';
import { VERSION } from '../version.ts';

export function buildProgram(): Command {
  const program = new Command('gpen-video')
    .description('Restore faces in video with GPEN: tracked, temporally stable, with the original audio')
    .version(VERSION)
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)');
  registerRestoreCommand(program);
  registerTrackCommand(program);
  registerPreviewCommand(program);
  registerPlanCommand(program);
  registerRenderCommand(program);
  registerAssembleCommand(program);
  registerModelsCommands(program);
  registerPresetsCommands(program);
  registerFarmCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  return runCommand(async () => {
    await program.parseAsync(argv);
  });
}
