import { z } from 'zod';
import { UsageError } from '../errors.ts';
import { DEFAULTS, PartialRestoreOptionsSchema, RestoreOptionsSchema, type OptionKey, type PartialRestoreOptions, type RestoreOptions } from './option-table.ts';
import type { Preset } from './presets.ts';

export type OptionSource = 'cli' | 'job' | 'preset' | 'default';

export interface ResolvedOptions {
  options: RestoreOptions;
  /** where each value came from, e.g. { crf: 'preset:quality' } */
  sources: Record<OptionKey, string>;
}

export interface OptionLayers {
  cli?: PartialRestoreOptions;
  job?: { options: PartialRestoreOptions; file: string };
  preset?: Preset;
}

/** CLI > job > preset > default, validated once more as a whole. */
export function resolveOptions(layers: OptionLayers): ResolvedOptions {
  const ordered: Array<[string, PartialRestoreOptions]> = [];
  if (layers.cli) ordered.push(['cli', check(layers.cli, 'command line')]);
  if (layers.job) ordered.push([`job:${layers.job.file}`, check(layers.job.options, `job file ${layers.job.file}`)]);
  if (layers.preset) ordered.push([`preset:${layers.preset.name}`, layers.preset.options]);
  const options: Record<string, unknown> = {};
  const sources: Record<string, string> = {};
  for (const key of Object.keys(RestoreOptionsSchema.shape) as OptionKey[]) {
    const hit = ordered.find(([, layer]) => layer[key] !== undefined);
    if (hit) {
      options[key] = hit[1][key];
      sources[key] = hit[0];
    } else if (DEFAULTS[key] !== undefined) {
      options[key] = DEFAULTS[key];
      sources[key] = 'default';
    }
  }
  return { options: RestoreOptionsSchema.parse(options), sources: sources as Record<OptionKey, string> };
}

function check(layer: PartialRestoreOptions, where: string): PartialRestoreOptions {
  const parsed = PartialRestoreOptionsSchema.safeParse(layer);
  if (!parsed.success) {
    throw new UsageError(`Invalid option in the ${where}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

/** The `--explain` table: every option, its value and where it came from. */
export function explainOptions(resolved: ResolvedOptions): string {
  const rows = (Object.keys(RestoreOptionsSchema.shape) as OptionKey[]).map((k) => [k, resolved.options[k] === undefined ? '(unset)' : JSON.stringify(resolved.options[k]), resolved.sources[k] ?? 'default']);
  const w0 = Math.max(...rows.map((r) => r[0]!.length));
  const w1 = Math.max(...rows.map((r) => r[1]!.length));
  return rows.map(([k, v, s]) => `${k!.padEnd(w0)}  ${v!.padEnd(w1)}  ${s}`).join('\n');
}

export const FrameRangeSchema = z.string().regex(/^(\d+)-(\d*)$/);

/** "S-E" → {start, end} with E exclusive; "S-" runs to the end. */
export function parseFrameRange(spec: string): { start: number; end: number } {
  const m = /^(\d+)-(\d*)$/.exec(spec);
  if (!m) throw new UsageError(`--frames must look like S-E (e.g. 100-200), got "${spec}"`);
  const start = Number(m[1]);
  const end = m[2] === '' ? Number.MAX_SAFE_INTEGER : Number(m[2]);
  if (end <= start) throw new UsageError(`--frames ${spec}: the end must be after the start (E is exclusive)`);
  return { start, end };
}
