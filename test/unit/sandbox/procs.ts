/** Looking at host processes and mounts from tests, through /proc. */
import { readdirSync, readFileSync } from 'node:fs';

/** pid → ppid of every process now. */
function parents(): Map<number, number> {
  const out = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(name), Number(fields[1]));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Every descendant of `pid` (children, their children, …). */
export function descendants(pid: number): number[] {
  const map = parents();
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.shift() as number;
    for (const [child, parent] of map) {
      if (parent === p) {
        out.push(child);
        queue.push(child);
      }
    }
  }
  return out.sort((a, b) => a - b);
}

/** Whether `pid` is a live process (present and not a zombie). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Our mount table. */
export function mountTable(): string {
  return readFileSync('/proc/self/mountinfo', 'utf8');
}

/** Waits (polling, bounded) until none of `pids` is alive; returns those still alive at the end. */
export async function waitGone(pids: readonly number[], attempts = 100): Promise<number[]> {
  for (let i = 0; i < attempts; i++) {
    const left = pids.filter(alive);
    if (left.length === 0) return [];
    await new Promise((r) => setTimeout(r, 50));
  }
  return pids.filter(alive);
}
