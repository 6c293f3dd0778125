import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveOptions } from '../../src/options/resolve-options.ts';
import { openModels } from '../../src/pipeline/open-models.ts';
import { testModel } from './fixtures.ts';

/** nice value of each thread of this process, by thread id (field 19 of /proc/self/task/<tid>/stat) */
function threadNice(): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    // fields after the command name, which is in parentheses and may hold spaces
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    out.set(tid, Number(rest[16]));
  }
  return out;
}
const childNice = () => Number(execFileSync('cut', ['-d', ' ', '-f', '19', '/proc/self/stat'], { encoding: 'utf8' }).trim());

describe.runIf(process.platform === 'linux')('openModels: the model keeps the cores', () => {
  let model: string;
  beforeAll(async () => {
    model = await testModel('identity', 256);
  });

  it('with helperNice 0 changes no priority', async () => {
    const base = getPriority(0);
    const m = await openModels(resolveOptions({ cli: { model, helperNice: 0 } }).options, { needDetector: false });
    try {
      expect(m.helperNice).toBeNull();
      expect(getPriority(0)).toBe(base);
      expect(childNice()).toBe(base);
    } finally {
      await m.close();
    }
  });

  it('lowers the calling thread and what it starts later, not the model threads it started before', async () => {
    const base = getPriority(0);
    const to = Math.min(19, base + 3);
    const before = new Set(threadNice().keys());
    const m = await openModels(resolveOptions({ cli: { model, helperNice: 3, threads: 2 } }).options, { needDetector: false });
    try {
      expect(m.helperNice).toEqual(to === base ? null : { from: base, to });
      expect(getPriority(0)).toBe(to);
      // the decoder and encoder start after openModels
      expect(childNice()).toBe(to);
      // the restorer's worker thread and onnxruntime's pool thread were started inside openModels, before the change
      const started = [...threadNice()].filter(([tid]) => !before.has(tid));
      expect(started.filter(([, nice]) => nice === base).length).toBeGreaterThanOrEqual(2);
      const crop = new Uint8Array(256 * 256 * 3).fill(77);
      expect((await m.restorer.restore([crop]))[0]).toEqual(crop);
    } finally {
      await m.close();
    }
  });
});
