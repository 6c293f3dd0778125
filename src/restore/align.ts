import { templateForSize, type TemplateName } from '../models/templates.ts';
import { estimateSimilarity, type Affine, type Point } from './affine.ts';

export type Landmarks = ReadonlyArray<readonly [number, number]>;

/**
 * The similarity transform taking a face's five landmarks (left eye, right eye, nose, left and
 * right mouth corner, image left/right) onto the model's template in an S×S crop.
 */
export function alignmentTransform(landmarks: Landmarks, template: TemplateName, size: number): Affine {
  if (landmarks.length !== 5) throw new RangeError(`expected 5 landmarks, got ${landmarks.length}`);
  return estimateSimilarity(landmarks as readonly Point[], templateForSize(template, size));
}
