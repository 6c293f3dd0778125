export interface Rational {
  num: number;
  den: number;
}

/** "30000/1001", "4:3", "25" → a reduced rational; null for "0/0", "N/A" and the like. */
export function parseRational(text: string | undefined): Rational | null {
  if (text === undefined) return null;
  const m = /^\s*(-?\d+)\s*(?:[/:]\s*(\d+))?\s*$/.exec(text);
  if (!m) return null;
  const num = Number(m[1]);
  const den = m[2] === undefined ? 1 : Number(m[2]);
  if (den === 0 || !Number.isSafeInteger(num) || !Number.isSafeInteger(den)) return null;
  return reduce({ num, den });
}

export function reduce(r: Rational): Rational {
  const g = gcd(Math.abs(r.num), Math.abs(r.den)) || 1;
  return { num: r.num / g, den: r.den / g };
}

export function toNumber(r: Rational): number {
  return r.num / r.den;
}

export function invert(r: Rational): Rational {
  return { num: r.den, den: r.num };
}

export function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}
