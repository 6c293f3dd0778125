import { describe, expect, it } from 'vitest';
import { associate, matchCost } from '../../src/track/association.ts';
import { face } from './helpers/faces.ts';

describe('association', () => {
  it('pairs each track with its own face whatever the detection order', () => {
    const tracks = [face(10, 10), face(200, 20)];
    const dets = [face(205, 22), face(14, 8)];
    const a = associate(tracks, dets);
    expect(a.matches.sort()).toEqual([
      [0, 1],
      [1, 0],
    ]);
    expect(a.unmatchedTracks).toEqual([]);
    expect(a.unmatchedDetections).toEqual([]);
  });

  it('tells overlapping faces apart by their landmarks', () => {
    const tracks = [face(100, 100, 60), face(130, 100, 60)];
    const dets = [face(128, 101, 60), face(101, 99, 60)];
    const pairs = associate(tracks, dets).matches.sort();
    expect(pairs).toEqual([
      [0, 1],
      [1, 0],
    ]);
  });

  it('refuses faces too far away or of another size', () => {
    expect(matchCost(face(0, 0, 60), face(100, 0, 60))).toBe(Infinity);
    expect(matchCost(face(0, 0, 60), face(0, 0, 150))).toBe(Infinity);
    const a = associate([face(0, 0)], [face(300, 0)]);
    expect(a.matches).toEqual([]);
    expect(a.unmatchedTracks).toEqual([0]);
    expect(a.unmatchedDetections).toEqual([0]);
  });

  it('prefers the closer of two candidates', () => {
    expect(matchCost(face(0, 0), face(3, 0))).toBeLessThan(matchCost(face(0, 0), face(12, 0)));
    expect(associate([face(0, 0)], [face(12, 0), face(3, 0)]).matches).toEqual([[0, 1]]);
  });
});
