import { afterEach, expect, it } from "@jest/globals";
import { describeRedis, dropPrefix, sleep, testSettings } from "../../test/redis/redis.js";
import { repeatFor, Schedules, SCHEDULED_PASS } from "./schedules.js";
import { WorkQueue } from "./work-queue.js";

const open: Array<WorkQueue<unknown>> = [];
const prefixes: string[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((q) => q.close(2_000)));
  await Promise.all(prefixes.splice(0).map(dropPrefix));
});

function replica(
  prefix: string,
  task?: (name: string, data: Record<string, unknown>, id: string) => Promise<void>,
) {
  const settings = { ...testSettings(), prefix, maintenanceMs: 60_000 };
  const q = new WorkQueue<unknown>({ settings, handle: async () => undefined, task });
  open.push(q);
  if (!prefixes.includes(prefix)) prefixes.push(prefix);
  return { q, schedules: new Schedules(q.queue) };
}

it("maps schedules to BullMQ repeat options", () => {
  expect(repeatFor("hourly")).toEqual({ every: 3_600_000 });
  expect(repeatFor("every 30m")).toEqual({ every: 1_800_000 });
  expect(repeatFor("0 */6 * * *")).toEqual({ pattern: "0 */6 * * *", tz: "UTC" });
});

describeRedis("job schedulers on Redis", () => {
  it("fires each iteration of a repo's scheduler once, whatever the number of replicas", async () => {
    const prefix = testSettings().prefix;
    const fired: Array<{ by: string; id: string; at: number }> = [];
    const record = (by: string) => async (name: string, _data: Record<string, unknown>, id: string) => {
      if (name === SCHEDULED_PASS) fired.push({ by, id, at: Date.now() });
    };
    const replicas = ["a", "b", "c"].map((by) => replica(prefix, record(by)));
    const start = Date.now() + 300;
    // every replica asks for the same scheduler, as each would after a pass or a discovery
    await Promise.all(replicas.map((r) => r.schedules.follow("octo/a", 7, "every 1s", new Date(start))));
    for (const r of replicas) r.q.start();
    await sleep(3_600);
    const ids = fired.map((f) => f.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeGreaterThanOrEqual(3);
    expect(ids.length).toBeLessThanOrEqual(4);
    expect(ids.sort()).toEqual(
      Array.from({ length: ids.length }, (_, i) => `repeat:pass:octo/a:${start + i * 1000}`).sort(),
    );
  });

  it("moves an interval scheduler to the pass's next due time, and keeps a cron one on its pattern", async () => {
    const { schedules } = replica(testSettings().prefix);
    const t1 = new Date(Date.now() + 3_600_000);
    await schedules.follow("Octo/A", 7, "hourly", t1);
    expect(await schedules.get("octo/a")).toMatchObject({
      repo: "Octo/A",
      installationId: 7,
      every: 3_600_000,
      next: t1.getTime(),
    });
    const t2 = new Date(t1.getTime() + 123_456);
    await schedules.follow("octo/a", 7, "hourly", t2);
    expect((await schedules.get("octo/a"))?.next).toBe(t2.getTime());
    await schedules.follow("octo/a", 7, "0 */6 * * *", t2);
    const cron = await schedules.get("octo/a");
    expect(cron).toMatchObject({ pattern: "0 */6 * * *" });
    expect(new Date(cron!.next!).getUTCHours() % 6).toBe(0);
    expect(await schedules.list()).toHaveLength(1);
  });

  it("creates a missing scheduler due at once, and leaves an existing one alone", async () => {
    const { schedules } = replica(testSettings().prefix);
    expect(await schedules.ensure("octo/new", 3)).toBe(true);
    const created = await schedules.get("octo/new");
    expect(created?.next).toBeLessThanOrEqual(Date.now());
    const later = new Date(Date.now() + 600_000);
    await schedules.follow("octo/new", 3, "hourly", later);
    expect(await schedules.ensure("octo/new", 3)).toBe(false);
    expect((await schedules.get("octo/new"))?.next).toBe(later.getTime());
    await schedules.remove("octo/new");
    expect(await schedules.get("octo/new")).toBeUndefined();
  });

  it("creates the discovery scheduler again after Redis was flushed", async () => {
    const prefix = testSettings().prefix;
    const { schedules } = replica(prefix);
    expect(await schedules.ensureDiscovery(3_600_000)).toBe(true);
    expect(await schedules.ensureDiscovery(3_600_000)).toBe(false);
    await dropPrefix(prefix);
    expect(await schedules.ensureDiscovery(3_600_000)).toBe(true);
  });
});
