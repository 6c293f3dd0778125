import { CommanderError } from 'commander';
import { EXIT, isGpenError } from '../errors.ts';

/**
 * Maps a command's outcome to an exit code. Expected errors (GpenError) print one line;
 * anything else is a bug and prints its stack.
 */
export async function runCommand(fn: () => Promise<void>, stderr: NodeJS.WritableStream = process.stderr): Promise<number> {
  try {
    await fn();
    return EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT.ok;
      return EXIT.usage;
    }
    if (isGpenError(e)) {
      stderr.write(`gpen-video: ${e.message}\n`);
      return e.exitCode;
    }
    if (e instanceof Error && e.name === 'AbortError') {
      stderr.write('gpen-video: interrupted\n');
      return 130;
    }
    stderr.write(`gpen-video: internal error (a bug; please report it with this output)\n${e instanceof Error ? e.stack : String(e)}\n`);
    return EXIT.internal;
  }
}
