import type { Queue, RepeatOptions } from "bullmq";
import { parseDuration } from "../config/duration.js";

/** BullMQ job names of the schedulers' iterations. */
export const SCHEDULED_PASS = "scheduled-pass";
export const DISCOVER = "discover";
const DISCOVER_ID = "discover";

const NAMED: Record<string, string> = { hourly: "every 1h", daily: "every 1d" };
const schedulerId = (repo: string) => `pass:${repo.toLowerCase()}`;
const TEMPLATE_OPTS = { removeOnComplete: true, removeOnFail: { count: 100 } };
/** A failed listing (GitHub down) is tried again within minutes, not at the next hourly iteration. */
const DISCOVER_OPTS = { ...TEMPLATE_OPTS, attempts: 5, backoff: { type: "exponential", delay: 15_000 } };

export interface RepoSchedule {
  repo: string;
  installationId: number;
  every?: number;
  pattern?: string;
  /** Next iteration (epoch ms). */
  next?: number;
}

/** `every` for interval schedules (`hourly`, `every 30m`), a UTC cron `pattern` otherwise. */
export function repeatFor(schedule: string): Pick<RepeatOptions, "every" | "pattern" | "tz"> {
  const spec = NAMED[schedule] ?? schedule;
  const every = /^every\s+(.+)$/i.exec(spec);
  if (every) return { every: parseDuration(every[1]) ?? 3_600_000 };
  return { pattern: spec, tz: "UTC" };
}

/**
 * One BullMQ job scheduler per installed repo: each iteration is one job whatever the number of
 * replicas (its id is the scheduler's id and the iteration's time), which asks for a pass of the repo.
 * The pass itself still compares its schedule with the last pass kept in the dashboard marker, so the
 * schedulers are only wake-ups: Redis can be flushed (they are created again by discovery, due at once)
 * without a pass running twice or being skipped.
 *
 * Interval schedules count from the last pass, not from a clock grid: after each pass the scheduler is
 * moved so that its next iteration is exactly the pass's next due time. Cron schedules need no move.
 */
export class Schedules {
  constructor(private readonly queue: Queue) {}

  async get(repo: string): Promise<RepoSchedule | undefined> {
    const s = await this.queue.getJobScheduler(schedulerId(repo));
    if (!s) return undefined;
    const data = (s.template?.data ?? {}) as { repo?: string; installationId?: number };
    return {
      repo: data.repo ?? repo,
      installationId: data.installationId ?? 0,
      every: s.every ?? undefined,
      pattern: s.pattern ?? undefined,
      next: s.next ?? undefined,
    };
  }

  async list(): Promise<RepoSchedule[]> {
    const all = await this.queue.getJobSchedulers(0, -1, true);
    return all
      .filter((s) => (s.key ?? s.id ?? "").startsWith("pass:"))
      .map((s) => {
        const data = (s.template?.data ?? {}) as { repo?: string; installationId?: number };
        return {
          repo: data.repo ?? String(s.key).slice(5),
          installationId: data.installationId ?? 0,
          every: s.every ?? undefined,
          pattern: s.pattern ?? undefined,
          next: s.next ?? undefined,
        };
      });
  }

  private async upsert(repo: string, installationId: number, repeat: Omit<RepeatOptions, "key">) {
    await this.queue.upsertJobScheduler(schedulerId(repo), repeat, {
      name: SCHEDULED_PASS,
      data: { repo, installationId },
      opts: TEMPLATE_OPTS,
    });
  }

  /** Creates the repo's scheduler when it has none (its first iteration is due at once); true if created. */
  async ensure(repo: string, installationId: number): Promise<boolean> {
    const existing = await this.get(repo);
    if (existing && existing.installationId === installationId) return false;
    await this.upsert(
      repo,
      installationId,
      existing?.pattern ? { pattern: existing.pattern, tz: "UTC" } : { every: existing?.every ?? 3_600_000 },
    );
    return !existing;
  }

  /** After a pass: the scheduler follows the repo's schedule, its next iteration at `nextDue`. */
  async follow(repo: string, installationId: number, schedule: string, nextDue: Date): Promise<void> {
    const want = repeatFor(schedule);
    const existing = await this.get(repo);
    const at = Math.floor(nextDue.getTime());
    if (want.every !== undefined) {
      const same =
        existing &&
        existing.every === want.every &&
        existing.next === at &&
        existing.installationId === installationId;
      if (same) return;
      // an `every` scheduler keeps its grid on upsert: removed first, it starts again at `startDate`
      if (existing) await this.remove(repo);
      await this.upsert(repo, installationId, { every: want.every, startDate: at });
      return;
    }
    if (existing && existing.pattern === want.pattern && existing.installationId === installationId) return;
    if (existing) await this.remove(repo);
    await this.upsert(repo, installationId, { pattern: want.pattern, tz: "UTC" });
  }

  async remove(repo: string): Promise<void> {
    await this.queue.removeJobScheduler(schedulerId(repo));
  }

  /** The discovery scheduler (one across replicas); created due at once when missing, e.g. after a flush. */
  async ensureDiscovery(everyMs: number): Promise<boolean> {
    const existing = await this.queue.getJobScheduler(DISCOVER_ID);
    if (existing && existing.every === everyMs) return false;
    await this.queue.upsertJobScheduler(
      DISCOVER_ID,
      { every: everyMs },
      { name: DISCOVER, data: {}, opts: DISCOVER_OPTS },
    );
    return !existing;
  }
}
