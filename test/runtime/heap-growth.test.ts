import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { HEAP_GROWING_PERCENT } from '../../src/runtime/heap-growth.ts';

/**
 * Runs widenHeapGrowth twice in a fresh node (the setting is process-wide), then a full GC, and
 * returns what it returned and the growth factor V8 applied to the old generation's next limit.
 */
function inFreshNode(nodeFlags: string[]): { returned: boolean[]; factor: number } {
  const script = `
    const { widenHeapGrowth } = await import('./src/runtime/heap-growth.ts');
    const returned = [widenHeapGrowth(), widenHeapGrowth()];
    const keep = Array.from({ length: 100000 }, (_, i) => ({ i }));
    globalThis.gc();
    console.log(JSON.stringify({ returned, kept: keep.length }));`;
  const out = execFileSync(process.execPath, [...nodeFlags, '--expose-gc', '--trace-gc-verbose', '--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  const lines = out.trim().split('\n');
  // "[HeapController] Limit: old size: 14341 KB, new limit: 51076 KB (3.0)"
  const limits = lines.map((l) => /\[HeapController\] Limit: .*\(([\d.]+)\)\s*$/.exec(l)).filter((m) => m !== null);
  return { returned: (JSON.parse(lines.at(-1)!) as { returned: boolean[] }).returned, factor: Number(limits.at(-1)?.[1]) };
}

describe('widenHeapGrowth', () => {
  it('sets the old generation to grow by HEAP_GROWING_PERCENT, once per process', () => {
    const r = inFreshNode([]);
    expect(r.returned).toEqual([true, false]);
    expect(r.factor).toBeCloseTo(1 + HEAP_GROWING_PERCENT / 100, 5);
  });

  it('leaves a --heap-growing-percent given to node alone', () => {
    const r = inFreshNode(['--heap-growing-percent=50']);
    expect(r.returned).toEqual([false, false]);
    expect(r.factor).toBeCloseTo(1.5, 5);
  });
});
