import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { projectRoot } from '../helpers/shared.ts';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI entry point (bin/gpen-video.js) as a user would. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, cwd = projectRoot): CliResult {
  const r = spawnSync(process.execPath, [path.join(projectRoot, 'bin', 'gpen-video.js'), ...args], {
    cwd,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
