/**
 * Five-point face alignment templates (left eye, right eye, nose tip, left and right mouth
 * corner), each coordinate a fraction of the crop side S: multiply by S for pixel positions.
 * Values from docs/gpen-facts.md §3.
 */
export type TemplateName = 'gpen' | 'ffhq';
export type TemplatePoints = ReadonlyArray<readonly [number, number]>;

function freezePoints(points: Array<readonly [number, number]>): TemplatePoints {
  return Object.freeze(points.map((p) => Object.freeze([p[0], p[1]] as const)));
}

export const TEMPLATES: Readonly<Record<TemplateName, TemplatePoints>> = Object.freeze({
  // GPEN's own inference code aligns to this (looser) template.
  gpen: freezePoints([
    [0.394611, 0.474383],
    [0.604356, 0.473223],
    [0.50015, 0.59367],
    [0.413984, 0.716461],
    [0.587678, 0.715501],
  ]),
  // FFHQ 512 template (facefusion, facexlib): about 17% tighter than GPEN's.
  ffhq: freezePoints([
    [0.37691676, 0.46864664],
    [0.62285697, 0.46912813],
    [0.50123859, 0.61331904],
    [0.39308822, 0.725411],
    [0.61150205, 0.72490465],
  ]),
});

/** The template scaled to pixel coordinates of an S×S crop. */
export function templateForSize(name: TemplateName, size: number): Array<[number, number]> {
  return TEMPLATES[name].map(([x, y]) => [x * size, y * size]);
}
