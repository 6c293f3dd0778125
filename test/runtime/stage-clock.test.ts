import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/**
 * threadCpuMs in a fresh node with GPEN_VIDEO_STAGE_CPU set (read once, at import): the calling
 * thread's CPU across a busy loop and across a sleep, read through the kept-open file many times;
 * the same thread by id; and a thread that does not exist.
 */
function inFreshNode(stageCpu: string): { busy: number; idle: number; byId: number; repeated: number; gone: number | null } {
  const script = `
    const { threadCpuMs } = await import('./src/runtime/stage-clock.ts');
    const spin = (ms) => { const t = performance.now(); while (performance.now() - t < ms); };
    let c = threadCpuMs(); spin(150); const busy = threadCpuMs() - c;
    c = threadCpuMs(); await new Promise((r) => setTimeout(r, 150)); const idle = threadCpuMs() - c;
    const byId = threadCpuMs(String(process.pid)) - threadCpuMs();
    let last = threadCpuMs(), repeated = 0;
    for (let i = 0; i < 2000; i++) { const v = threadCpuMs(); if (v >= last) repeated++; last = v; }
    console.log(JSON.stringify({ busy, idle, byId, repeated, gone: threadCpuMs('999999999') }));`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, GPEN_VIDEO_STAGE_CPU: stageCpu },
  });
  return JSON.parse(out.trim().split('\n').at(-1)!) as { busy: number; idle: number; byId: number; repeated: number; gone: number | null };
}

describe('threadCpuMs', () => {
  it.runIf(process.platform === 'linux')("reads the calling thread's CPU time again and again from one open file", () => {
    const r = inFreshNode('1');
    // a busy loop of 150 ms wall is at most 150 ms of CPU, and most of it on an idle-enough machine
    expect(r.busy).toBeGreaterThan(50);
    expect(r.busy).toBeLessThan(160);
    expect(r.idle).toBeLessThan(20);
    // the main thread's id is the process id: the same clock, read a moment earlier
    expect(Math.abs(r.byId)).toBeLessThan(5);
    // monotonic across re-reads of the kept file
    expect(r.repeated).toBe(2000);
    // JSON turns NaN into null
    expect(r.gone).toBeNull();
  });

  it('is off unless benchmarks ask for it', () => {
    const r = inFreshNode('');
    expect([r.busy, r.idle, r.byId, r.gone]).toEqual([null, null, null, null]);
  });
});
