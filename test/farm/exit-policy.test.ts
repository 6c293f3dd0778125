import { describe, expect, it } from 'vitest';
import { BUG_ATTEMPTS, classifyExit, type ExitFacts } from '../../src/farm/exit-policy.ts';
import { lineSplitter, parseStepLine } from '../../src/farm/progress-lines.ts';
import { stepCommand } from '../../src/farm/step-command.ts';

const facts = (f: Partial<ExitFacts>): ExitFacts => ({ code: null, signal: null, stopping: false, attemptsMade: 0, lastError: '', what: 'render of chunk 2', ...f });

describe('classifyExit', () => {
  it('never retries bad input or a missing model', () => {
    const bad = classifyExit(facts({ code: 2, lastError: 'job.json is not a valid job file' }));
    expect(bad).toEqual({ kind: 'fatal', reason: expect.stringContaining('job.json is not a valid job file') });
    expect(classifyExit(facts({ code: 3 })).kind).toBe('fatal');
  });

  it('retries transient failures and signals other than a shutdown', () => {
    expect(classifyExit(facts({ code: 75 })).kind).toBe('retry');
    expect(classifyExit(facts({ signal: 'SIGKILL' }))).toEqual({ kind: 'retry', reason: expect.stringContaining('out of memory') });
    expect(classifyExit(facts({ code: 130 })).kind).toBe('retry');
    expect(classifyExit(facts({ code: 9 })).kind).toBe('retry');
  });

  it(`retries a crash (exit 1) until ${BUG_ATTEMPTS} runs have crashed`, () => {
    expect(classifyExit(facts({ code: 1, attemptsMade: 0 })).kind).toBe('retry');
    expect(classifyExit(facts({ code: 1, attemptsMade: BUG_ATTEMPTS - 1 })).kind).toBe('fatal');
  });

  it('hands the job back when the worker stopped the step', () => {
    expect(classifyExit(facts({ code: 130, stopping: true })).kind).toBe('requeue');
    expect(classifyExit(facts({ signal: 'SIGTERM', stopping: true })).kind).toBe('requeue');
    // a step that finished before the stop still counts, and a real failure is still a failure
    expect(classifyExit(facts({ code: 0, stopping: true })).kind).toBe('ok');
    expect(classifyExit(facts({ code: 2, stopping: true })).kind).toBe('fatal');
  });
});

describe('progress lines', () => {
  it('reads progress, done and skipped objects and keeps anything else as text', () => {
    expect(parseStepLine('{"frame":12,"total":100,"fps":3.1,"eta_s":28,"faces":12}')).toEqual({ kind: 'progress', progress: { frame: 12, total: 100, fps: 3.1, eta_s: 28, faces: 12 } });
    expect(parseStepLine('{"done":true,"frames":100}')).toEqual({ kind: 'final', skipped: false, summary: { done: true, frames: 100 } });
    expect(parseStepLine('{"skipped":true,"chunk":3}')).toEqual({ kind: 'final', skipped: true, summary: { skipped: true, chunk: 3 } });
    expect(parseStepLine('{"frame":1,')).toEqual({ kind: 'text', text: '{"frame":1,' });
    expect(parseStepLine('gpen-video: no such file')).toEqual({ kind: 'text', text: 'gpen-video: no such file' });
  });

  it('splits a stream into lines across chunk boundaries', () => {
    const lines: string[] = [];
    const s = lineSplitter((l) => lines.push(l));
    s.push('{"fra');
    s.push('me":1}\n\nsecond');
    s.push(' line\nlast');
    s.end();
    expect(lines).toEqual(['{"frame":1}', 'second line', 'last']);
  });
});

describe('stepCommand', () => {
  const chunk = { kind: 'chunk', jobFile: '/farm/job.json', jobId: 'abc', chunk: 3, start: 30, end: 40 } as const;

  it('runs this checkout\'s CLI with JSON progress and the worker\'s extra render arguments', () => {
    const c = stepCommand(chunk, { GPEN_VIDEO_FARM_RENDER_ARGS: '["--device","cuda"]' });
    expect(c.command).toBe(process.execPath);
    expect(c.args.slice(1)).toEqual(['render', '/farm/job.json', '--chunk', '3', '--progress', 'json', '--device', 'cuda']);
    expect(c.args[0]).toMatch(/bin[\\/]gpen-video\.js$/);
  });

  it('runs another executable when GPEN_VIDEO_FARM_CLI names one', () => {
    const c = stepCommand({ kind: 'assemble', jobFile: '/farm/job.json', jobId: 'abc', chunks: 4 }, { GPEN_VIDEO_FARM_CLI: '/opt/gpen/run' });
    expect(c).toEqual({ command: '/opt/gpen/run', args: ['assemble', '/farm/job.json'], what: 'assemble' });
  });
});
