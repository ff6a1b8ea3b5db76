import { randomUUID } from "node:crypto";
import { DelayedError, Queue, Worker, type Job } from "bullmq";
import { Redis } from "ioredis";
import type { QueueSettings } from "./settings.js";
import { QueueStore, type Entry } from "./store.js";

export type { Entry } from "./store.js";

export interface QueueLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface WorkQueueOptions<T> {
  settings: QueueSettings;
  /** Does one entry; throwing retries it with backoff (the key's later entries wait behind it). */
  handle: (entry: Entry<T>, ctx: { key: string; lastAttempt: boolean }) => Promise<void>;
  /** After the last attempt threw: report it; the entry is then dropped and the key's next one runs. */
  giveUp?: (entry: Entry<T>, error: unknown, key: string) => Promise<void>;
  /** Jobs other than mailbox drains: schedulers' iterations and one-off tasks, by BullMQ job name. */
  task?: (name: string, data: Record<string, unknown>, jobId: string) => Promise<void>;
  /** Runs on every maintenance tick (`settings.maintenanceMs`), after the buffer and the sweep. */
  maintain?: () => Promise<void>;
  log?: QueueLogger;
}

export type EnqueueResult = "queued" | "coalesced" | "buffered";

interface Pending<T> {
  key: string;
  entry: Entry<T>;
  /** The entry is in its mailbox; only the doorbell is left to ring. */
  pushed: boolean;
}

/** The BullMQ queue's name; with GARDENER_QUEUE_PREFIX, its keys are `<prefix>:gardener-work:*`. */
export const QUEUE_NAME = "gardener-work";
const DRAIN = "drain";
/** Webhooks kept in memory while Redis is away, before new ones are refused (GitHub then shows a 500). */
const MAX_BUFFER = 10_000;
const message = (e: unknown) => (e instanceof Error ? e.message : String(e)).split("\n")[0];

/**
 * One BullMQ queue for every job that changes a repo, on any number of replicas.
 *
 * Why mailboxes: BullMQ (open source) runs any waiting job on any free worker, so two jobs of one repo
 * could run at once on two replicas and overtake each other. Each repo (or installation) therefore has
 * a FIFO list in Redis, its mailbox, and one BullMQ "drain" job at most per mailbox (deduplicated by
 * key with `keepLastIfActive`, so a doorbell rung while the drain runs starts one more drain after it).
 * The drain takes the key's lock (SET NX PX, renewed while it works), then runs the entries head first,
 * removing each only once it is done: arrival order holds, and a replica killed mid-entry leaves it at
 * the head, where the next drain (BullMQ moves a stalled job back after its lock expired) runs it
 * again. Entries must therefore be safe to repeat, which the pass and the commands are.
 *
 * Retries are per entry (attempts and backoff stored on the head entry), so a failing entry delays its
 * own key only; rate limits and backoff move the drain to BullMQ's delayed set and free the worker.
 */
export class WorkQueue<T> {
  readonly queue: Queue;
  private readonly producer: Redis;
  private readonly workerConnection: Redis;
  private readonly store: QueueStore;
  private worker?: Worker;
  private readonly buffer: Array<Pending<T>> = [];
  private lastError?: string;
  private closing = false;
  private closed?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private maintaining?: Promise<void>;

  constructor(private readonly opts: WorkQueueOptions<T>) {
    const s = opts.settings;
    // producer: fail fast while Redis is away, so webhooks are buffered instead of hanging
    this.producer = new Redis(s.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    this.workerConnection = new Redis(s.url, { maxRetriesPerRequest: null });
    for (const c of [this.producer, this.workerConnection])
      c.on("error", (error: unknown) => (this.lastError = message(error)));
    this.producer.on("ready", () => {
      this.lastError = undefined;
      // (re)connected: deliver what waited in memory, ring the mailboxes, re-check the schedulers
      if (this.timer) void this.maintain();
      else void this.flush();
    });
    this.store = new QueueStore(this.producer, s.prefix);
    this.queue = new Queue(QUEUE_NAME, { connection: this.producer, prefix: s.prefix });
    this.queue.on("error", (error: unknown) => (this.lastError = message(error)));
  }

  private get log(): QueueLogger | undefined {
    return this.opts.log;
  }

  /** Starts this replica's worker and the maintenance timer. */
  start(): void {
    const s = this.opts.settings;
    this.worker = new Worker(QUEUE_NAME, (job, token) => this.process(job, token), {
      connection: this.workerConnection,
      prefix: s.prefix,
      concurrency: s.concurrency,
      lockDuration: s.lockMs,
      stalledInterval: Math.max(1_000, Math.floor(s.lockMs / 2)),
      maxStalledCount: 10,
      removeOnComplete: { count: 100 },
      removeOnFail: { count: 1000 },
    });
    this.worker.on("error", (error: unknown) => (this.lastError = message(error)));
    this.worker.on("failed", (job, error) =>
      this.log?.error({ job: job?.name, data: job?.data, err: error }, `queue job ${job?.name} failed`),
    );
    this.timer = setInterval(() => void this.maintain(), s.maintenanceMs ?? 15_000);
    this.timer.unref();
    if (this.producer.status === "ready") void this.maintain();
  }

  /** `ok`, or `degraded` with the reason (Redis away, webhooks waiting in memory). */
  health(): { status: "ok" | "degraded"; reason?: string } {
    const reasons: string[] = [];
    if (this.producer.status !== "ready")
      reasons.push(`Redis unavailable (${this.lastError ?? this.producer.status})`);
    if (this.buffer.length > 0)
      reasons.push(`${this.buffer.length} job(s) buffered in this replica until Redis is back`);
    return reasons.length ? { status: "degraded", reason: reasons.join("; ") } : { status: "ok" };
  }

  /**
   * Appends work to `key`'s mailbox and rings its doorbell. Never throws while Redis is away: the entry
   * waits in this replica's memory and is delivered when Redis answers again. With `once`, an entry
   * with the same tag already waiting in the mailbox makes this one redundant.
   */
  async enqueue(
    key: string,
    work: T,
    opts: { once?: string; installationId?: number } = {},
  ): Promise<EnqueueResult> {
    const entry: Entry<T> = {
      id: randomUUID(),
      once: opts.once,
      attempts: 0,
      enqueuedAt: Date.now(),
      installationId: opts.installationId,
      work,
    };
    const pending: Pending<T> = { key, entry, pushed: false };
    if (this.buffer.length === 0) {
      try {
        await this.waitReady();
        return await this.deliver(pending);
      } catch (error) {
        this.lastError = message(error);
      }
    }
    if (this.buffer.length >= MAX_BUFFER)
      throw new Error(`Redis is unavailable and ${MAX_BUFFER} jobs already wait in memory`);
    this.buffer.push(pending);
    this.log?.warn(
      { key, buffered: this.buffer.length, reason: this.lastError },
      "Redis unavailable: job buffered",
    );
    return "buffered";
  }

  /**
   * A one-off job outside the mailboxes (e.g. "run every due repo"), retried with backoff when it
   * throws; unlike `enqueue` it throws while Redis is away (its caller can answer 503).
   */
  async addTask(name: string, data: Record<string, unknown>): Promise<void> {
    await this.queue.add(name, data, {
      attempts: 3,
      backoff: { type: "exponential", delay: 10_000 },
      removeOnComplete: true,
      removeOnFail: { count: 100 },
    });
  }

  private async waitReady(): Promise<void> {
    if (this.producer.status === "ready") return;
    if (
      this.producer.status !== "connecting" &&
      this.producer.status !== "connect" &&
      this.producer.status !== "wait"
    )
      return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.producer.off("ready", done);
        resolve();
      };
      const t = setTimeout(done, 1_000);
      this.producer.once("ready", done);
    });
  }

  private async deliver(p: Pending<T>): Promise<EnqueueResult> {
    let added = true;
    if (!p.pushed) {
      added = await this.store.push(p.key, p.entry);
      p.pushed = true;
    }
    await this.ring(p.key);
    return added ? "queued" : "coalesced";
  }

  private async ring(key: string): Promise<void> {
    await this.queue.add(
      DRAIN,
      { key },
      {
        deduplication: { id: `${DRAIN}:${key}`, keepLastIfActive: true },
        removeOnComplete: true,
        removeOnFail: { count: 1000 },
      },
    );
  }

  /** Delivers the buffer in arrival order; stops at the first failure (Redis still away). */
  private async flush(): Promise<void> {
    while (this.buffer.length > 0 && this.producer.status === "ready") {
      try {
        await this.deliver(this.buffer[0]);
        this.buffer.shift();
      } catch (error) {
        this.lastError = message(error);
        return;
      }
    }
  }

  /** Buffer, then the doorbell of every mailbox with entries (covers a doorbell lost to a crash), then the caller's. */
  private maintain(): Promise<void> {
    this.maintaining ??= (async () => {
      try {
        await this.flush();
        if (this.producer.status !== "ready" || this.closing) return;
        for (const key of await this.store.busyKeys()) await this.ring(key);
        await this.opts.maintain?.();
      } catch (error) {
        this.lastError = message(error);
        this.log?.warn({ err: error }, "queue maintenance failed");
      }
    })().finally(() => (this.maintaining = undefined));
    return this.maintaining;
  }

  private async process(job: Job, token?: string): Promise<void> {
    if (job.name !== DRAIN) {
      await this.opts.task?.(job.name, (job.data ?? {}) as Record<string, unknown>, String(job.id));
      return;
    }
    await this.drain(job, String((job.data as { key: unknown }).key), token);
  }

  /** Moves the drain to the delayed set (freeing this worker) until `at`. */
  private async delayUntil(job: Job, token: string | undefined, at: number): Promise<never> {
    await job.moveToDelayed(at, token);
    throw new DelayedError();
  }

  private async drain(job: Job, key: string, token?: string): Promise<void> {
    const s = this.opts.settings;
    const me = randomUUID();
    if (!(await this.store.lock(key, me, s.lockMs))) {
      // another replica works this key (or one that died still holds the lock): come back after it
      const ttl = await this.store.lockTtl(key);
      await this.delayUntil(job, token, Date.now() + Math.min(Math.max(ttl, 250), s.lockMs));
    }
    let lost = false;
    /** The installation whose slot this drain holds now (renewed with the lock). */
    let slot: number | undefined;
    const renew = setInterval(
      () => {
        if (slot !== undefined)
          void this.store
            .takeSlot(slot, me, s.installationConcurrency, s.lockMs)
            .catch((error: unknown) => (this.lastError = message(error)));
        this.store
          .renew(key, me, s.lockMs)
          .then((ok) => {
            if (!ok && !lost) {
              lost = true;
              this.log?.error({ key }, `lost the lock of ${key}: this replica stops after the current job`);
            }
          })
          .catch((error: unknown) => (this.lastError = message(error)));
      },
      Math.floor(s.lockMs / 3),
    );
    try {
      while (!this.closing && !lost) {
        const entry = await this.store.head<T>(key);
        if (!entry) break;
        if (entry.notBefore && entry.notBefore > Date.now())
          await this.delayUntil(job, token, entry.notBefore);
        if (entry.installationId !== undefined) {
          const inst = entry.installationId;
          // another job of this installation runs somewhere: come back shortly, this worker serves others
          if (!(await this.store.takeSlot(inst, me, s.installationConcurrency, s.lockMs)))
            await this.delayUntil(job, token, Date.now() + 500 + Math.floor(Math.random() * 1_000));
          slot = inst;
          const wait = await this.store.takeRate(inst, s.installationRate);
          if (wait > 0) await this.delayUntil(job, token, Date.now() + wait);
        }
        try {
          await this.opts.handle(entry, { key, lastAttempt: entry.attempts + 1 >= s.attempts });
        } catch (error) {
          const attempts = entry.attempts + 1;
          if (attempts < s.attempts) {
            const backoff = Math.min(600_000, s.retryMs * 2 ** (attempts - 1));
            this.log?.warn(
              { key, attempts, backoffMs: backoff, err: error },
              `job of ${key} failed, retried later`,
            );
            await this.store.replaceHead(key, { ...entry, attempts, notBefore: Date.now() + backoff });
            await this.delayUntil(job, token, Date.now() + backoff);
          }
          this.log?.error({ key, attempts, err: error }, `job of ${key} failed ${attempts} times: given up`);
          await this.opts
            .giveUp?.(entry, error, key)
            .catch((e: unknown) => this.log?.error({ key, err: e }, "reporting a failed job failed"));
        }
        await this.store.popIfHead(key, entry.id);
        await this.freeSlot(slot, me);
        slot = undefined;
      }
      // stopped early (shutdown, lost lock): another replica carries on with what is left
      if ((this.closing || lost) && (await this.store.length(key)) > 0) await this.ring(key);
    } finally {
      clearInterval(renew);
      await this.freeSlot(slot, me);
      if (!lost) await this.store.unlock(key, me).catch(() => undefined);
    }
  }

  private async freeSlot(installationId: number | undefined, token: string): Promise<void> {
    if (installationId !== undefined)
      await this.store.releaseSlot(installationId, token).catch(() => undefined);
  }

  /** True while the drain of `key` holds its lock somewhere (tests, diagnostics). */
  async isLocked(key: string): Promise<boolean> {
    return (await this.store.lockTtl(key)) > 0;
  }

  /**
   * Graceful stop: no new jobs; the current entries may finish within `graceMs`, then the connections
   * close. An entry still running after that stays at its mailbox's head and its lock expires, so another
   * replica runs it again (entries are safe to repeat).
   */
  close(graceMs = this.opts.settings.shutdownGraceMs): Promise<void> {
    this.closed ??= this.shutdown(graceMs);
    return this.closed;
  }

  private async shutdown(graceMs: number): Promise<void> {
    this.closing = true;
    clearInterval(this.timer);
    const finished = this.worker?.close() ?? Promise.resolve();
    const inTime = await Promise.race([
      finished.then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), graceMs).unref()),
    ]);
    if (!inTime)
      this.log?.warn(
        { graceMs },
        "shutdown: a job still runs; its lock expires and another replica retries it",
      );
    await this.maintaining?.catch(() => undefined);
    await this.queue.close().catch(() => undefined);
    await Promise.all(
      [this.producer, this.workerConnection].map((c) =>
        c.status === "ready" ? c.quit().catch(() => c.disconnect()) : c.disconnect(),
      ),
    );
  }
}
