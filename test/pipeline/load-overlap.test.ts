import path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { resolveOptions } from '../../src/options/resolve-options.ts';
import { restoreVideo } from '../../src/pipeline/restore-video.ts';
import { stageMarks } from '../../src/runtime/stage-clock.ts';
import { tempDir } from '../helpers/clips.ts';
import { describeShared, sharedPath } from '../helpers/shared.ts';
import { portraitClip, randomGpenModel } from './fixtures.ts';

/*
 * The restorer's model loads while the first frames are decoded and detected (the tracker's
 * look-ahead), instead of before. Marks are per process and kept from their first time, so this
 * file runs one restore.
 */
describeShared('restore: the model loads while the first frames are decoded and detected', () => {
  let clip: string;
  let model: string;
  beforeAll(async () => {
    // small frames: the first one is decoded long before a GPEN model has loaded, even on a busy machine
    clip = await portraitClip({ width: 320, height: 240, fps: 25, duration: 1.2, audio: 0 });
    model = await randomGpenModel(256);
  });

  it('decodes and detects while the model loads', async () => {
    const { options } = resolveOptions({ cli: { model, modelsDir: sharedPath('models'), progress: 'none', encoderPreset: 'ultrafast' } });
    const summary = await restoreVideo({ input: clip, output: path.join(tempDir(), 'overlap.mp4'), options, overwrite: true });
    expect(summary.frames).toBe(30);
    expect(summary.facesRestored).toBeGreaterThanOrEqual(25);
    const decoded = stageMarks['first-frame-decoded']!, ready = stageMarks['models-ready']!;
    expect(decoded).toBeGreaterThan(0);
    // before, the decoder started only once both models were loaded
    expect(decoded).toBeLessThan(ready);
  });
});
