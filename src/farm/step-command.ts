import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FarmJobData } from './job-data.ts';

/** Environment variable naming an executable to run instead of this checkout's CLI (tests, wrappers, containers). */
export const FARM_CLI_ENV = 'GPEN_VIDEO_FARM_CLI';
/** Extra `render` arguments from `farm worker -- ARGS`, handed to the sandboxed processor as JSON. */
export const RENDER_ARGS_ENV = 'GPEN_VIDEO_FARM_RENDER_ARGS';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'gpen-video.js');

export interface StepCommand {
  command: string;
  args: string[];
  /** for messages: "render of chunk 3" */
  what: string;
}

/** The process a farm job runs: `gpen-video render JOB --chunk K --progress json` or `gpen-video assemble JOB`. */
export function stepCommand(data: FarmJobData, env: NodeJS.ProcessEnv = process.env): StepCommand {
  const override = env[FARM_CLI_ENV];
  const [command, prefix] = override ? [override, []] : [process.execPath, [BIN]];
  if (data.kind === 'chunk') {
    const extra = renderArgs(env);
    return { command, args: [...prefix, 'render', data.jobFile, '--chunk', String(data.chunk), '--progress', 'json', ...extra], what: `render of chunk ${data.chunk}` };
  }
  return { command, args: [...prefix, 'assemble', data.jobFile], what: 'assemble' };
}

function renderArgs(env: NodeJS.ProcessEnv): string[] {
  const raw = env[RENDER_ARGS_ENV];
  if (!raw) return [];
  const parsed: unknown = JSON.parse(raw);
  return Array.isArray(parsed) ? parsed.map(String) : [];
}
