import { beforeAll, expect, it } from 'vitest';
import { RestoreOptionsSchema } from '../../src/options/option-table.ts';
import { getPreset } from '../../src/options/presets.ts';
import { makeClip, tempPath } from '../helpers/clips.ts';
import { describeShared } from '../helpers/shared.ts';
import { modelsEnv, testModel } from '../pipeline/fixtures.ts';
import { runCli } from './run-cli.ts';

const KEYS = Object.keys(RestoreOptionsSchema.shape);

/** The --explain table from stderr: option → [value, source]. */
function explained(stderr: string): Map<string, [string, string]> {
  const rows = new Map<string, [string, string]>();
  for (const line of stderr.split('\n')) {
    const m = /^(\w+)\s{2,}(\S.*?)\s{2,}(\S+)$/.exec(line);
    if (m && KEYS.includes(m[1]!)) rows.set(m[1]!, [m[2]!, m[3]!]);
  }
  return rows;
}

describeShared('restore --explain', () => {
  let clip: string;
  let model: string;

  beforeAll(async () => {
    clip = await makeClip({ source: 'testsrc2', width: 160, height: 120, fps: 10, duration: 1, audio: 0 });
    model = await testModel('identity', 256);
  });

  it('prints every option with its value and where it came from, then restores', () => {
    const r = runCli(['restore', clip, '-o', tempPath('explain.mp4'), '--model', model, '--crf', '23', '--progress', 'none', '--explain'], modelsEnv());
    expect(r.code, r.stderr).toBe(0);
    const rows = explained(r.stderr);
    expect([...rows.keys()].sort()).toEqual([...KEYS].sort());
    expect(r.stderr).toMatch(/^crf\s+23\s+cli$/m);
    expect(rows.get('model')).toEqual([JSON.stringify(model), 'cli']);
    expect(rows.get('progress')).toEqual(['"none"', 'cli']);
    expect(rows.get('codec')).toEqual(['"libx264"', 'default']);
    expect(rows.get('encoderPreset')).toEqual(['"medium"', 'default']);
    expect(rows.get('temporalBlend')).toEqual(['0.9', 'default']);
    expect(rows.get('modelsDir')).toEqual(['(unset)', 'default']);
    for (const [key, [, source]] of rows) if (!['model', 'crf', 'progress'].includes(key)) expect(source, key).toBe('default');
  });

  it('shows the default crf as "crf  18  default"', () => {
    const r = runCli(['restore', clip, '-o', tempPath('explain-default.mp4'), '--model', model, '--progress', 'none', '--explain'], modelsEnv());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^crf\s+18\s+default$/m);
  });

  it('--preset fast: the preset\'s options say preset:fast, the command line still wins', () => {
    const r = runCli(['restore', clip, '-o', tempPath('explain-fast.mp4'), '--preset', 'fast', '--model', model, '--progress', 'none', '--explain'], modelsEnv());
    expect(r.code, r.stderr).toBe(0);
    const rows = explained(r.stderr);
    const fast = getPreset('fast').options as Record<string, unknown>;
    const fromPreset = Object.keys(fast).filter((k) => k !== 'model');
    expect(fromPreset.length).toBeGreaterThanOrEqual(4);
    for (const key of fromPreset) expect(rows.get(key), key).toEqual([JSON.stringify(fast[key]), 'preset:fast']);
    expect(r.stderr).toMatch(/^crf\s+20\s+preset:fast$/m);
    expect(r.stderr).toMatch(/^encoderPreset\s+"veryfast"\s+preset:fast$/m);
    // the preset names gpen-bfr-256, the command line a file: the command line wins
    expect(rows.get('model')).toEqual([JSON.stringify(model), 'cli']);
    expect(rows.get('device')).toEqual(['"cpu"', 'default']);
  });
});
