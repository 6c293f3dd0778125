import type { EncodeOptions } from '../encode/index.ts';
import type { RestoreOptions } from '../options/option-table.ts';

/** The encoder part of the option table, as encodeVideo takes it. */
export function encoderSettings(options: RestoreOptions): Pick<EncodeOptions, 'codec' | 'crf' | 'encoderPreset' | 'pixFmt'> {
  return {
    codec: options.codec,
    // CRF and speed presets mean something to x264/x265 only; the table documents them as ignored elsewhere.
    ...(options.codec === 'libx264' || options.codec === 'libx265' ? { crf: options.crf, encoderPreset: options.encoderPreset } : {}),
    ...(options.pixFmt ? { pixFmt: options.pixFmt } : {}),
  };
}
