/** `lupine distro status`: what the queue holds now (read-only). */
import { Queue } from 'bullmq';
import { termSafe } from '../core/index.js';
import { QUEUE_NAME, type RecipeJobData, type RecipeJobProgress } from './job.js';
import { checkRedis, openRedis } from './redis-connection.js';

export interface ClusterStatus {
  readonly queued: readonly string[];
  readonly running: readonly { readonly name: string; readonly worker: string }[];
  readonly failed: readonly { readonly name: string; readonly reason: string }[];
  readonly completed: number;
}

export async function clusterStatus(redisUrl: string): Promise<ClusterStatus> {
  const connection = openRedis(redisUrl);
  try {
    await checkRedis(connection, redisUrl);
    const queue = new Queue<RecipeJobData>(QUEUE_NAME, { connection });
    try {
      const queued = await queue.getJobs(['waiting', 'delayed', 'prioritized', 'waiting-children']);
      const active = await queue.getJobs(['active']);
      const failed = await queue.getJobs(['failed']);
      const completed = await queue.getCompletedCount();
      const workerOf = (p: unknown) =>
        typeof p === 'object' && p !== null ? ((p as RecipeJobProgress).worker ?? '?') : '?';
      const byName = <T extends { name: string }>(l: T[]) => l.sort((a, b) => (a.name < b.name ? -1 : 1));
      return {
        queued: queued.map((j) => j.data.name).sort(),
        running: byName(active.map((j) => ({ name: j.data.name, worker: workerOf(j.progress) }))),
        failed: byName(failed.map((j) => ({ name: j.data.name, reason: (j.failedReason ?? '').split('\n')[0] ?? '' }))),
        completed,
      };
    } finally {
      await queue.close();
    }
  } finally {
    connection.disconnect();
  }
}

export function renderStatus(s: ClusterStatus): string {
  const out: string[] = [];
  out.push(`queued  ${s.queued.length}${s.queued.length ? `: ${s.queued.join(', ')}` : ''}`);
  out.push(`running ${s.running.length}`);
  for (const r of s.running) out.push(`  ${r.name} on ${r.worker}`);
  out.push(`failed  ${s.failed.length}`);
  for (const f of s.failed) out.push(`  ${f.name}: ${f.reason}`);
  out.push(`completed ${s.completed}`);
  // Names, workers and reasons are whatever Redis holds: control characters are shown, not sent.
  return `${out.map(termSafe).join('\n')}\n`;
}
