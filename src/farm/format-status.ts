import { printTable } from '../cli/format.ts';
import type { FarmStatus, StepStatus } from './status.ts';

function progressCell(s: StepStatus): string {
  if (s.state === 'completed') return s.skipped ? 'skipped' : '100%';
  const p = s.progress;
  if (!p) return '';
  if (!p.total) return `frame ${p.frame}`;
  const eta = p.eta_s === null ? '' : `, ETA ${p.eta_s} s`;
  return `${Math.floor((100 * p.frame) / p.total)}% (${p.frame}/${p.total}${eta})`;
}

function row(name: string, frames: string, s: StepStatus): string[] {
  const note = s.state === 'completed' ? '' : (s.reason ?? '');
  return [name, frames, s.state, String(s.attemptsStarted), String(s.stalled), progressCell(s), s.worker ?? '', note];
}

/** The human form of `farm status`: one row per chunk, then the assemble step and a summary. */
export function printFarmStatus(st: FarmStatus, out: NodeJS.WritableStream = process.stdout): void {
  const rows = st.chunks.map((c) => row(String(c.chunk), `${c.start}–${c.end}`, c));
  rows.push(row('assemble', '', st.assemble));
  printTable(['chunk', 'frames', 'state', 'runs', 'stalls', 'progress', 'worker', 'last failure'], rows, out);
  const counts = Object.entries(st.counts).map(([state, n]) => `${n} ${state}`).join(', ');
  out.write(`\njob ${st.jobId} on queue "${st.queue}": ${st.chunks.length} chunks (${counts}); assemble ${st.assemble.state}; output ${st.output}\n`);
}
