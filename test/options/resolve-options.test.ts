import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/options/option-table.ts';
import { getPreset, listPresets } from '../../src/options/presets.ts';
import { explainOptions, parseFrameRange, resolveOptions } from '../../src/options/resolve-options.ts';
import { tempDir } from '../helpers/tmp.ts';

const dir = tempDir();

describe('option resolution', () => {
  it('CLI > job > preset > default, with the source of every value', () => {
    const r = resolveOptions({
      cli: { crf: 10 },
      job: { file: 'job.json', options: { crf: 12, codec: 'libx265', temporalBlend: 0.2 } },
      preset: getPreset('fast'),
    });
    expect(r.options).toMatchObject({ crf: 10, codec: 'libx265', temporalBlend: 0.2, model: 'gpen-bfr-256', template: DEFAULTS.template });
    expect(r.sources).toMatchObject({ crf: 'cli', codec: 'job:job.json', temporalBlend: 'job:job.json', model: 'preset:fast', template: 'default' });
    const table = explainOptions(r);
    expect(table).toMatch(/crf\s+10\s+cli/);
    expect(table).toMatch(/model\s+"gpen-bfr-256"\s+preset:fast/);
  });

  it('refuses out-of-range or unknown values with the layer named', () => {
    expect(() => resolveOptions({ cli: { temporalBlend: 1.5 } })).toThrow(/command line.*temporalBlend/);
    expect(() => resolveOptions({ job: { file: 'j.json', options: { bogus: 1 } as never } })).toThrow(/job file j.json/);
  });

  it('every shipped preset validates, and the five asked for exist with their models', () => {
    const names = listPresets().map((p) => p.name);
    expect(names).toEqual(['archival', 'balanced', 'fast', 'max', 'quality']);
    expect(getPreset('fast').options).toMatchObject({ model: 'gpen-bfr-256', encoderPreset: 'veryfast' });
    expect(getPreset('balanced').options.model).toBe('gpen-bfr-512');
    expect(getPreset('quality').options.model).toBe('gpen-bfr-1024');
    expect(getPreset('max').options.model).toBe('gpen-bfr-2048');
    expect(getPreset('archival').options.codec).toBe('ffv1');
    expect(() => getPreset('ultra')).toThrow(/Unknown preset "ultra". Presets: archival, balanced/);
  });

  it('reads a preset file by path and checks it against the same schema', () => {
    const good = path.join(dir, 'mine.json');
    writeFileSync(good, JSON.stringify({ name: 'mine', description: 'x', options: { crf: 30 } }));
    expect(getPreset(good).options.crf).toBe(30);
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ name: 'bad', description: 'x', options: { crf: 'high' } }));
    expect(() => getPreset(bad)).toThrow(/bad.json is invalid: options.crf/);
  });

  it('parses frame ranges', () => {
    expect(parseFrameRange('10-20')).toEqual({ start: 10, end: 20 });
    expect(parseFrameRange('5-').end).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => parseFrameRange('20-10')).toThrow(/after the start/);
    expect(() => parseFrameRange('x')).toThrow(/S-E/);
  });
});
