import { z } from 'zod';

/**
 * ffprobe's JSON, as loosely as ffprobe writes it: numbers sometimes arrive as strings ("25", "N/A"),
 * fields come and go with the container and the version. media-info.ts turns this into strict types.
 */
const numberish = z.union([z.number(), z.string()]).optional();
const text = z.union([z.string(), z.number()]).transform(String).optional();
const tags = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).optional();

const sideData = z.object({
  side_data_type: z.string().optional(),
  rotation: numberish,
});

export const rawStreamSchema = z.object({
  index: z.union([z.number(), z.string()]).transform(Number).pipe(z.number().int().nonnegative()),
  codec_type: z.string().optional(),
  codec_name: z.string().optional(),
  codec_long_name: z.string().optional(),
  profile: text,
  width: numberish,
  height: numberish,
  coded_width: numberish,
  coded_height: numberish,
  sample_aspect_ratio: z.string().optional(),
  display_aspect_ratio: z.string().optional(),
  pix_fmt: z.string().optional(),
  color_range: z.string().optional(),
  color_space: z.string().optional(),
  color_primaries: z.string().optional(),
  color_transfer: z.string().optional(),
  field_order: z.string().optional(),
  r_frame_rate: z.string().optional(),
  avg_frame_rate: z.string().optional(),
  time_base: z.string().optional(),
  start_time: numberish,
  duration: numberish,
  nb_frames: numberish,
  nb_read_frames: numberish,
  channels: numberish,
  channel_layout: z.string().optional(),
  sample_rate: numberish,
  disposition: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()]).transform(Number)).optional(),
  tags,
  side_data_list: z.array(sideData).optional(),
});

export const rawFormatSchema = z.object({
  format_name: z.string().optional(),
  format_long_name: z.string().optional(),
  start_time: numberish,
  duration: numberish,
  size: numberish,
  bit_rate: numberish,
  tags,
});

export const rawProbeSchema = z.object({
  streams: z.array(rawStreamSchema).default([]),
  chapters: z.array(z.unknown()).default([]),
  format: rawFormatSchema.optional(),
});

/** The answer to `-count_frames -show_entries stream=nb_read_frames`. */
export const rawFrameCountSchema = z.object({
  streams: z.array(z.object({ nb_read_frames: numberish })).default([]),
});

export type RawStream = z.infer<typeof rawStreamSchema>;
export type RawFormat = z.infer<typeof rawFormatSchema>;
export type RawProbe = z.infer<typeof rawProbeSchema>;
