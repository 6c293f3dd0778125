import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { InputError } from '../errors.ts';
import { writeFileAtomic } from '../models/write-atomic.ts';
import { RestoreOptionsSchema } from '../options/option-table.ts';

export const JOB_FORMAT = 'gpen-video-job';
export const JOB_VERSION = 1;

const chunkSchema = z.strictObject({
  index: z.int().nonnegative(),
  /** first output frame (source index) */
  start: z.int().nonnegative(),
  /** one past the last output frame */
  end: z.int().positive(),
  /** where decoding starts: the temporal blend's history for `start` begins here (bounded) */
  decodeFrom: z.int().nonnegative(),
  /** decodeFrom's time and content as the plan decoded it: render seeks there (null: decode from the start) */
  seek: z.strictObject({ pts: z.number(), fingerprint: z.string().regex(/^[0-9a-f]{16}$/) }).nullable(),
});

const jobBody = z.strictObject({
  format: z.literal(JOB_FORMAT),
  version: z.literal(JOB_VERSION),
  createdBy: z.string(),
  input: z.strictObject({
    path: z.string().min(1),
    bytes: z.int().nonnegative(),
    mtimeMs: z.number(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    frames: z.int().positive(),
    width: z.int().positive(),
    height: z.int().positive(),
  }),
  output: z.string().min(1),
  overwrite: z.boolean(),
  // helperNice came after version 1 job files: one without it still reads, with its id intact
  options: RestoreOptionsSchema.extend({ helperNice: RestoreOptionsSchema.shape.helperNice.optional() }),
  /** where each option came from when the job was planned (cli, preset:…, default) */
  optionSources: z.record(z.string(), z.string()),
  model: z.strictObject({ spec: z.string().min(1), file: z.string().min(1), sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
  /** relative to the job file's folder */
  tracks: z.string().min(1),
  chunkDir: z.string().min(1),
  /** container of the video-only intermediates */
  chunkExtension: z.enum(['.nut']),
  chunks: z.array(chunkSchema).min(1),
});

export const jobSchema = jobBody.extend({ id: z.string().regex(/^[0-9a-f]{16}$/) }).superRefine((job, ctx) => {
  job.chunks.forEach((c, i) => {
    if (c.index !== i) ctx.addIssue({ code: 'custom', path: ['chunks', i, 'index'], message: `chunk ${i} has index ${c.index}` });
    if (!(c.decodeFrom <= c.start && c.start < c.end)) ctx.addIssue({ code: 'custom', path: ['chunks', i], message: 'needs decodeFrom ≤ start < end' });
    if (i > 0 && c.start !== job.chunks[i - 1]!.end) ctx.addIssue({ code: 'custom', path: ['chunks', i, 'start'], message: 'chunks must follow each other without gaps' });
  });
  if (job.chunks[0]!.start !== 0 || job.chunks.at(-1)!.end !== job.input.frames) {
    ctx.addIssue({ code: 'custom', path: ['chunks'], message: `chunks must cover frames 0–${job.input.frames}` });
  }
});

export type JobBody = z.infer<typeof jobBody>;
export type JobManifest = z.infer<typeof jobSchema> & {
  /** the job file itself (absolute); not stored */
  file: string;
};
export type JobChunk = JobManifest['chunks'][number];

/** A stable id: the same plan (input, options, model, tracks, chunks) always gets the same one. */
export function jobIdOf(body: JobBody): string {
  const { createdBy: _tool, optionSources: _sources, ...identity } = body;
  return createHash('sha256').update(canonicalJson(identity)).digest('hex').slice(0, 16);
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

export async function writeJob(file: string, body: JobBody): Promise<JobManifest> {
  const abs = path.resolve(file);
  const stored = { ...body, id: jobIdOf(body) };
  await writeFileAtomic(abs, Buffer.from(`${JSON.stringify(stored, null, 2)}\n`));
  return { ...stored, file: abs };
}

/** Reads and validates a job file. */
export async function readJob(file: string): Promise<JobManifest> {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (e) {
    throw new InputError('E_JOB_FILE', `cannot read job file ${abs}: ${(e as Error).message}. Create it with \`gpen-video plan\`.`, e);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new InputError('E_JOB_FILE', `${abs} is not a job file (invalid JSON: ${(e as Error).message}).`, e);
  }
  const format = (json as { format?: unknown; version?: unknown } | null)?.format;
  const version = (json as { version?: unknown } | null)?.version;
  if (format === JOB_FORMAT && typeof version === 'number' && version > JOB_VERSION) {
    throw new InputError('E_JOB_VERSION', `${abs} is a version ${version} job; this gpen-video reads version ${JOB_VERSION}. Update gpen-video on this machine.`);
  }
  const parsed = jobSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
    throw new InputError('E_JOB_FILE', `${abs} is not a valid job file${where}: ${issue.message}. Plan it again with \`gpen-video plan\`.`);
  }
  const { id, ...body } = parsed.data;
  if (jobIdOf(body) !== id) throw new InputError('E_JOB_EDITED', `${abs} was edited after planning (its id no longer matches its content). Plan the job again instead of editing it.`);
  return { ...parsed.data, file: abs };
}

/** Paths of the job's own files, which live beside the job file. */
export function jobPaths(job: JobManifest): { tracks: string; chunkDir: string } {
  const dir = path.dirname(job.file);
  return { tracks: path.resolve(dir, job.tracks), chunkDir: path.resolve(dir, job.chunkDir) };
}

export function chunkFiles(job: JobManifest, index: number): { video: string; record: string } {
  const base = path.join(jobPaths(job).chunkDir, `chunk-${String(index).padStart(4, '0')}`);
  return { video: `${base}${job.chunkExtension}`, record: `${base}.json` };
}
