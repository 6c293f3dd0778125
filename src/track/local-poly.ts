/**
 * Equivalent kernel of a weighted least-squares polynomial fit evaluated at offset 0: the fitted
 * value at 0 is Σ l[i]·y[i] for samples at offsets `u[i]` with weights `w[i]`. Returns null when
 * the fit is underdetermined. Degree ≤ 2; offsets should be small integers (frames).
 */
export function polyKernel(u: ArrayLike<number>, w: ArrayLike<number>, degree: number): Float64Array | null {
  const n = u.length;
  const m = degree + 1;
  // Weighted moments S_j = Σ w·u^j build the (symmetric, Hankel) normal matrix.
  const s = new Float64Array(2 * m - 1);
  for (let i = 0; i < n; i++) {
    let p = w[i]!;
    for (let j = 0; j < s.length; j++, p *= u[i]!) s[j]! += p;
  }
  // First row of the inverse normal matrix is all we need: the intercept's coefficients.
  const a = Array.from({ length: m }, (_, r) => Array.from({ length: m }, (_, c) => s[r + c]!));
  const e = solve(a, Array.from({ length: m }, (_, r) => (r === 0 ? 1 : 0)));
  if (!e) return null;
  const l = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let basis = 1;
    let v = 0;
    for (let j = 0; j < m; j++, basis *= u[i]!) v += e[j]! * basis;
    l[i] = w[i]! * v;
  }
  return l;
}

/** Gaussian elimination with partial pivoting for tiny systems (modifies its arguments); null when singular. */
export function solve(a: number[][], b: number[]): number[] | null {
  const n = b.length;
  const scale = Math.max(...a.map((row) => Math.max(...row.map(Math.abs))), 1e-300);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[piv]![c]!)) piv = r;
    if (Math.abs(a[piv]![c]!) < 1e-9 * scale) return null;
    [a[c], a[piv]] = [a[piv]!, a[c]!];
    [b[c], b[piv]] = [b[piv]!, b[c]!];
    for (let r = c + 1; r < n; r++) {
      const f = a[r]![c]! / a[c]![c]!;
      for (let k = c; k < n; k++) a[r]![k]! -= f * a[c]![k]!;
      b[r]! -= f * b[c]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let v = b[r]!;
    for (let k = r + 1; k < n; k++) v -= a[r]![k]! * x[k]!;
    x[r] = v / a[r]![r]!;
  }
  return x;
}
