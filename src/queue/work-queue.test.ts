import type { ChildProcess } from "node:child_process";
import { afterEach, expect, it } from "@jest/globals";
import {
  describeRedis,
  dropPrefix,
  freePort,
  sleep,
  startPrivateRedis,
  testSettings,
  until,
} from "../../test/redis/redis.js";
import type { QueueSettings } from "./settings.js";
import { WorkQueue, type Entry, type WorkQueueOptions } from "./work-queue.js";

interface Work {
  n: number;
  fail?: number;
}

const open: Array<WorkQueue<Work>> = [];
const prefixes: string[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((q) => q.close(2_000)));
  await Promise.all(prefixes.splice(0).map(dropPrefix));
});

function replica(settings: QueueSettings, opts: Partial<WorkQueueOptions<Work>> = {}): WorkQueue<Work> {
  const q = new WorkQueue<Work>({
    settings: { maintenanceMs: 200, ...settings },
    handle: async () => undefined,
    ...opts,
  });
  open.push(q);
  if (!prefixes.includes(settings.prefix)) prefixes.push(settings.prefix);
  return q;
}

describeRedis("work queue on Redis (mailboxes, locks, retries)", () => {
  it("runs each key's entries in arrival order and never two of one key at once, across two replicas", async () => {
    const settings = testSettings({ concurrency: 3 });
    const runs: Array<{ key: string; n: number; start: number; end: number; by: string }> = [];
    const handler = (by: string) => async (e: Entry<Work>, ctx: { key: string }) => {
      const start = performance.now();
      await sleep(5 + (e.work.n % 4) * 5);
      runs.push({ key: ctx.key, n: e.work.n, start, end: performance.now(), by });
    };
    const a = replica(settings, { handle: handler("a") });
    const b = replica(settings, { handle: handler("b") });
    a.start();
    b.start();
    const keys = ["octo/one", "octo/two", "octo/three"];
    for (let n = 0; n < 45; n++) await (n % 2 ? a : b).enqueue(keys[n % 3], { n });
    await until(() => runs.length === 45, 20_000, "45 entries");
    for (const key of keys) {
      const mine = runs.filter((r) => r.key === key).sort((x, y) => x.start - y.start);
      expect(mine.map((r) => r.n)).toEqual(mine.map((r) => r.n).sort((x, y) => x - y));
      for (let i = 1; i < mine.length; i++) expect(mine[i].start).toBeGreaterThanOrEqual(mine[i - 1].end);
    }
  });

  it("retries a throwing entry with backoff while the key's later entries wait, then gives up and goes on", async () => {
    const settings = testSettings({ attempts: 3, retryMs: 50 });
    const seen: Array<{ n: number; at: number }> = [];
    const given: number[] = [];
    const q = replica(settings, {
      handle: async (e) => {
        seen.push({ n: e.work.n, at: performance.now() });
        if (e.work.fail !== undefined && e.attempts < e.work.fail) throw new Error("HTTP 502 from GitHub");
      },
      giveUp: async (e) => void given.push(e.work.n),
    });
    q.start();
    await q.enqueue("octo/r", { n: 1, fail: 2 }); // fails twice, then works
    await q.enqueue("octo/r", { n: 2, fail: 9 }); // always fails: given up after 3 tries
    await q.enqueue("octo/r", { n: 3 });
    await until(() => seen.some((s) => s.n === 3), 15_000, "the last entry");
    expect(seen.map((s) => s.n)).toEqual([1, 1, 1, 2, 2, 2, 3]);
    expect(given).toEqual([2]);
    const ones = seen.filter((s) => s.n === 1).map((s) => s.at);
    expect(ones[1] - ones[0]).toBeGreaterThanOrEqual(45); // backoff 50 ms, then 100 ms
    expect(ones[2] - ones[1]).toBeGreaterThanOrEqual(95);
  });

  it("keeps one entry per `once` tag while it waits", async () => {
    const settings = testSettings();
    const seen: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const q = replica(settings, {
      handle: async (e) => {
        if (e.work.n === 0) await gate;
        seen.push(e.work.n);
      },
    });
    q.start();
    await q.enqueue("octo/r", { n: 0 });
    expect(await q.enqueue("octo/r", { n: 1 }, { once: "due-pass" })).toBe("queued");
    expect(await q.enqueue("octo/r", { n: 2 }, { once: "due-pass" })).toBe("coalesced");
    release();
    await until(() => seen.length === 2);
    expect(await q.enqueue("octo/r", { n: 3 }, { once: "due-pass" })).toBe("queued");
    await until(() => seen.length === 3);
    expect(seen).toEqual([0, 1, 3]);
  });

  it("rate-limits each installation without starving another", async () => {
    const settings = testSettings({ installationRate: 2, concurrency: 4 });
    const done: string[] = [];
    const q = replica(settings, { handle: async (_e, ctx) => void done.push(ctx.key) });
    q.start();
    for (let i = 0; i < 5; i++) await q.enqueue(`big/r${i}`, { n: i }, { installationId: 1 });
    await q.enqueue("small/r", { n: 9 }, { installationId: 2 });
    await until(() => done.includes("small/r"), 10_000, "the small installation's job");
    await sleep(500);
    expect(done.filter((k) => k.startsWith("big/"))).toHaveLength(2);
  });
});

describeRedis("work queue: one installation's jobs at a time", () => {
  it("runs one job of an installation at a time across replicas, while another installation's run beside it", async () => {
    const settings = testSettings({ concurrency: 4, installationConcurrency: 1 });
    const active = new Map<number, number>();
    let most = 0;
    let besideBig = false;
    const done: string[] = [];
    const handler = async (e: Entry<Work>, ctx: { key: string }) => {
      const inst = e.installationId!;
      active.set(inst, (active.get(inst) ?? 0) + 1);
      if (inst === 1) most = Math.max(most, active.get(1)!);
      if (inst === 2 && (active.get(1) ?? 0) > 0) besideBig = true;
      await sleep(80);
      active.set(inst, active.get(inst)! - 1);
      done.push(ctx.key);
    };
    const a = replica(settings, { handle: handler });
    const b = replica(settings, { handle: handler });
    a.start();
    b.start();
    for (let i = 0; i < 6; i++) await (i % 2 ? a : b).enqueue(`big/r${i}`, { n: i }, { installationId: 1 });
    for (let i = 0; i < 2; i++) await a.enqueue(`small/r${i}`, { n: i }, { installationId: 2 });
    await until(() => done.length === 8, 20_000, "8 jobs");
    expect(most).toBe(1);
    expect(besideBig).toBe(true);
  });
});

describeRedis("work queue while Redis is away", () => {
  let server: ChildProcess | undefined;
  afterEach(() => void server?.kill("SIGKILL"));

  it("buffers jobs, reports degraded with the reason, and delivers them in order when Redis is back", async () => {
    const port = await freePort();
    server = startPrivateRedis(port);
    const settings = testSettings({ url: `redis://127.0.0.1:${port}` });
    const seen: number[] = [];
    const q = replica(settings, { handle: async (e) => void seen.push(e.work.n) });
    q.start();
    await until(() => q.health().status === "ok", 10_000, "the private Redis");
    await q.enqueue("octo/r", { n: 1 });
    await until(() => seen.length === 1);

    server.kill("SIGKILL");
    await until(() => q.health().status === "degraded", 10_000, "degraded");
    expect(q.health().reason).toMatch(/^Redis unavailable \(/);
    expect(await q.enqueue("octo/r", { n: 2 })).toBe("buffered");
    expect(await q.enqueue("octo/r", { n: 3 })).toBe("buffered");
    expect(q.health().reason).toMatch(/2 job\(s\) buffered in this replica until Redis is back/);

    server = startPrivateRedis(port);
    await until(() => seen.length === 3, 20_000, "the buffered jobs");
    expect(seen).toEqual([1, 2, 3]);
    expect(q.health()).toEqual({ status: "ok" });
    await q.close(2_000);
  }, 40_000);
});
