import { readFileSync } from 'node:fs';

/**
 * CPU ms (user + system) from /proc/<pid>/stat, in clock ticks of 10 ms: the process's own, or
 * that of its children it has waited for. Throws where the process is gone.
 */
export function procCpuMs(pid: number | 'self', of: 'own' | 'children' = 'own'): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // fields after the command name, which may hold spaces: utime, stime, cutime, cstime at 11–14
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const i = of === 'own' ? 11 : 13;
  return (Number(f[i]) + Number(f[i + 1])) * 10;
}
