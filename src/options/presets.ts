import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { UsageError } from '../errors.ts';
import { PartialRestoreOptionsSchema } from './option-table.ts';

export const PresetSchema = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9-]*$/),
  description: z.string().min(1),
  options: PartialRestoreOptionsSchema,
});
export type Preset = z.infer<typeof PresetSchema>;

export const PRESETS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'presets');

function formatIssues(e: z.ZodError): string {
  return e.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

export function readPreset(file: string): Preset {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`Preset ${file} is not valid JSON: ${(e as Error).message}`, 'E_PRESET');
  }
  const parsed = PresetSchema.safeParse(json);
  if (!parsed.success) throw new UsageError(`Preset ${file} is invalid: ${formatIssues(parsed.error)}`, 'E_PRESET');
  if (parsed.data.name !== path.basename(file, '.json')) {
    throw new UsageError(`Preset ${file} is named "${parsed.data.name}"; the file must be ${parsed.data.name}.json`, 'E_PRESET');
  }
  return parsed.data;
}

export function listPresets(dir = PRESETS_DIR): Preset[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => readPreset(path.join(dir, f)));
}

/** A preset by name, or by path to a preset file of the same shape. */
export function getPreset(nameOrPath: string, dir = PRESETS_DIR): Preset {
  if (nameOrPath.endsWith('.json')) return readPreset(path.resolve(nameOrPath));
  const known = listPresets(dir);
  const hit = known.find((p) => p.name === nameOrPath);
  if (!hit) throw new UsageError(`Unknown preset "${nameOrPath}". Presets: ${known.map((p) => p.name).join(', ')}.`, 'E_PRESET');
  return hit;
}
