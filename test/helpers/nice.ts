import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Fields of a /proc stat line after the command name, which is in parentheses and may hold spaces. */
const statFields = (stat: string): string[] => stat.slice(stat.lastIndexOf(')') + 2).split(' ');

/** The nice value a process started now from the calling thread gets (`cut` reading its own stat, field 19). */
export function newProcessNice(): number {
  return Number(execFileSync('cut', ['-d', ' ', '-f', '19', '/proc/self/stat'], { encoding: 'utf8' }).trim());
}

/** The nice value of each thread of this process, by thread id. */
export function threadNice(): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync('/proc/self/task')) out.set(tid, Number(statFields(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8'))[16]));
  return out;
}
