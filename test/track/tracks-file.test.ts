import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.ts';
import { readTracksFile, TracksWriter, type TracksFileData } from '../../src/track/tracks-file.ts';
import type { TrackedFrame } from '../../src/track/types.ts';
import { tempDir } from '../helpers/tmp.ts';
import { blankFrame, face } from './helpers/faces.ts';

const dir = tempDir('gpen-tracks-');

function tracked(index: number, sceneCut = false): TrackedFrame {
  const a = face(10 + index, 20, 40, 0.91234567);
  const faces = [{ trackId: 1, box: a.box, score: a.score, raw: index === 2 ? null : a.landmarks, landmarks: a.landmarks }];
  if (index >= 3) {
    const b = face(100, 30 + index / 3, 50);
    faces.push({ trackId: 2, box: b.box, score: b.score, raw: b.landmarks, landmarks: b.landmarks });
  }
  return { frame: blankFrame(index, 320, 240), faces, sceneCut };
}

async function writeFile(name: string): Promise<string> {
  const w = new TracksWriter({ width: 320, height: 240, fps: 25 });
  for (let i = 0; i < 6; i++) w.add(tracked(i, i === 3));
  const file = path.join(dir, name);
  await w.finish(file);
  return file;
}

let edits = 0;
function rewrite(file: string, edit: (data: TracksFileData) => unknown): string {
  const data = JSON.parse(readFileSync(file, 'utf8')) as TracksFileData;
  const out = `${file}.edit${++edits}.json`;
  writeFileSync(out, JSON.stringify(edit(data)));
  return out;
}

describe('tracks file', () => {
  it('round-trips faces per frame, cuts and the documented layout', async () => {
    const file = await writeFile('a.json');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const json = JSON.parse(readFileSync(file, 'utf8')) as TracksFileData;
    expect(json).toMatchObject({ version: 1, width: 320, height: 240, fps: 25, frames: 6, cuts: [3] });
    expect(json.tracks.map((t) => [t.id, t.frames.map((e) => e.frame)])).toEqual([
      [1, [0, 1, 2, 3, 4, 5]],
      [2, [3, 4, 5]],
    ]);
    const lookup = await readTracksFile(file, { width: 320, height: 240, frames: 6 });
    for (let i = 0; i < 6; i++) {
      const want = tracked(i).faces;
      const got = lookup.facesForFrame(i);
      expect(got.map((f) => f.trackId)).toEqual(want.map((f) => f.trackId));
      got.forEach((g, k) => {
        expect(g.score).toBeCloseTo(want[k]!.score, 4);
        expect(g.raw === null).toBe(want[k]!.raw === null);
        g.landmarks.flat().forEach((v, j) => expect(v).toBeCloseTo(want[k]!.landmarks.flat()[j]!, 2));
        g.box.forEach((v, j) => expect(v).toBeCloseTo(want[k]!.box[j]!, 2));
      });
    }
    expect(lookup.facesForFrame(99)).toEqual([]);
    expect([...lookup.cuts]).toEqual([3]);
  });

  it('refuses a file made for another video, saying what differs', async () => {
    const file = await writeFile('b.json');
    await expect(readTracksFile(file, { width: 640, height: 360, frames: 6 })).rejects.toThrow(/made for another video \(320×240, 6 frames\); this video is 640×360, 6 frames/);
    await expect(readTracksFile(file, { width: 320, height: 240, frames: 7 })).rejects.toMatchObject({ code: 'E_TRACKS_MISMATCH' });
    await expect(readTracksFile(file, { width: 320, height: 240 })).resolves.toBeDefined();
  });

  it('attaches its faces and cuts to decoded frames, each with its own pixels', async () => {
    const lookup = await readTracksFile(await writeFile('d.json'));
    const shared = Buffer.alloc(320 * 240 * 3);
    async function* decoded() {
      for (let i = 0; i < 6; i++) {
        shared.fill(i);
        yield { ...blankFrame(i, 320, 240), data: shared };
      }
    }
    const out = [];
    for await (const f of lookup.attach(decoded())) out.push(f);
    expect(out.map((f) => f.faces.length)).toEqual([1, 1, 1, 2, 2, 2]);
    expect(out.map((f) => f.sceneCut)).toEqual([false, false, false, true, false, false]);
    expect(out.map((f) => f.frame.data[0])).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('checks against a probed video, trusting only an exact frame count', async () => {
    const file = await writeFile('e.json');
    const probed = (frameCount: number, frameCountSource: string) => ({ video: { width: 320, height: 240, frameCount, frameCountSource } });
    await expect(readTracksFile(file, probed(6, 'container'))).resolves.toBeDefined();
    await expect(readTracksFile(file, probed(9, 'counted'))).rejects.toMatchObject({ code: 'E_TRACKS_MISMATCH' });
    await expect(readTracksFile(file, probed(9, 'estimated'))).resolves.toBeDefined();
  });

  it("records the video's frame count when told it", () => {
    const w = new TracksWriter({ width: 320, height: 240, fps: 25, frames: 100 });
    w.add(tracked(50));
    const json = w.toJSON();
    expect(json.frames).toBe(100);
    expect(json.tracks.map((t) => t.frames.map((e) => e.frame))).toEqual([[50], [50]]);
  });

  it('refuses malformed files with the place of the problem', async () => {
    const file = await writeFile('c.json');
    const bad = [
      rewrite(file, (d) => ({ ...d, version: 2 })),
      rewrite(file, (d) => ({ ...d, tracks: [{ ...d.tracks[0]!, frames: [...d.tracks[0]!.frames].reverse() }] })),
      rewrite(file, (d) => ({ ...d, tracks: [d.tracks[0], { ...d.tracks[1]!, id: 1 }] })),
      rewrite(file, (d) => ({ ...d, frames: 4 })),
      rewrite(file, (d) => {
        d.tracks[0]!.frames[0]!.landmarks.pop();
        return d;
      }),
    ];
    const messages = [];
    for (const f of bad) {
      const e = await readTracksFile(f).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(InputError);
      expect((e as InputError).code).toBe('E_TRACKS_FILE');
      messages.push((e as Error).message);
    }
    expect(messages[0]).toMatch(/at version/);
    expect(messages[1]).toMatch(/increasing order/);
    expect(messages[2]).toMatch(/duplicate track id 1/);
    expect(messages[3]).toMatch(/beyond the file's 4 frames/);
    expect(messages[4]).toMatch(/at tracks\.0\.frames\.0\.landmarks/);
    const notJson = path.join(dir, 'broken.json');
    writeFileSync(notJson, '{"version":1,');
    await expect(readTracksFile(notJson)).rejects.toMatchObject({ code: 'E_TRACKS_FILE' });
    await expect(readTracksFile(path.join(dir, 'missing.json'))).rejects.toThrow(/cannot read tracks file/);
  });
});
