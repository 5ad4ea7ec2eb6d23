/**
 * The vector scaled to length 1, so that cosine similarity is a plain dot product: embedding
 * models and the vector index both rely on it. Throws RangeError for a zero or non-finite vector,
 * which has no direction.
 */
export function normalizeVector(vector: readonly number[]): number[] {
  let sum = 0;
  for (const x of vector) sum += x * x;
  const norm = Math.sqrt(sum);
  if (!Number.isFinite(norm)) throw new RangeError('the vector holds a value that is not a finite number');
  if (norm === 0) throw new RangeError('a zero vector has no direction');
  return vector.map((x) => x / norm);
}
