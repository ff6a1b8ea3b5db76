// First install on a busy service and storms, as `run --repo` and the Action pass (no dashboard):
// deferred patterns are found again in later windows, a storm is one `log-gardener:storm` issue.
import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import type { LogEntry } from "../../src/entries/log-entry.js";
import { gardenRepo } from "../../src/sync/garden-sync.js";
import { filingOrder } from "../../src/plan/backlog.js";
import { render } from "../../src/templates/render.js";
import { busyEntries, busyPatterns, countOf, criticalOnce, type Pattern } from "../fixtures/busy-service.js";
import type { FakeGitHub, FakeIssue } from "../fake-github/index.js";
import { REPO, harness, source, stateOf, testConfig } from "./helpers.js";

const START = "2026-11-23T00:00:00Z";
const HOUR = 3_600_000;
const at = (hour: number) => new Date(Date.parse(START) + hour * HOUR).toISOString();
/** P0 and P1 once every 20 patterns, then P2 to P5 more and more often. */
const MOSTLY_ROUTINE = [0, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5];

type H = Awaited<ReturnType<typeof harness>>;
let h: H;
let gh: FakeGitHub;
beforeEach(async () => {
  h = await harness();
  gh = h.gh;
});
afterEach(() => gh.close());

/** An hourly pass at `hour` over the last `windowHours`, as a cron `run --repo` would run it. */
function pass(hour: number, entries: LogEntry[], windowHours: number, config = testConfig()) {
  const now = at(hour);
  gh.setTime(now);
  const from = new Date(Date.parse(now) - windowHours * HOUR).toISOString();
  const seen = entries.filter((e) => e.timestamp.toISOString() < now);
  return gardenRepo({ gh: h.octokit, ...REPO, config, source: source(seen, from, now), now: new Date(now) });
}

const patternIssues = () => h.issues().filter((i) => !i.labels.some((l) => l.name === "log-gardener:storm"));
const stormIssues = () => h.issues().filter((i) => i.labels.some((l) => l.name === "log-gardener:storm"));
const fpOf = (i: FakeIssue) => stateOf(i.body).fp;
/** The issues of patterns whose module starts with `prefix` (the module is in the logger, one per pattern). */
const issuesOf = (prefix: string) =>
  patternIssues().filter((i) => stateOf(i.body).logger?.startsWith(`shop.${prefix}`));

describe("first install on a busy service (no dashboard)", () => {
  it("files the most important issues first, the rest over the next passes, with exact counts", async () => {
    const patterns = busyPatterns(79, { kinds: MOSTLY_ROUTINE, toMin: 11 * 60 });
    const entries = [...busyEntries(patterns, START, at(12)), criticalOnce(START, 55)];
    const filedIn: string[][] = [];
    let drainedAt: number | undefined;
    // the patterns stop at 11:00; two more passes let the updates the write budget postponed catch up
    for (let hour = 1; hour <= 13; hour++) {
      const before = new Set(patternIssues().map(fpOf));
      const result = await pass(hour, entries, 24);
      const created = result.applied!.created.map((c) => c.fingerprint);
      filedIn.push(created);
      expect(result.plan.storm).toBeUndefined();
      expect(created.length).toBeLessThanOrEqual(10);
      expect(result.applied!.writes).toBeLessThanOrEqual(60);
      expect(created.filter((fp) => before.has(fp))).toEqual([]);
      if (hour === 1) {
        // the first batch is the ten highest in filing order among everything the first pass saw
        const order = result.plan.intake.file
          .concat(result.plan.intake.waiting.map((w) => ({ candidate: w.candidate, why: "budget" as const })))
          .map((f) => f.candidate.state)
          .sort(filingOrder);
        expect(order).toHaveLength(80);
        expect(created).toEqual(order.slice(0, 10).map((s) => s.fp));
        expect(result.plan.intake.baseline).toBe(false);
        expect(result.worklog.intake?.firstPass).toBe(true);
        const deferred = result.worklog.intake!.deferred;
        expect(deferred).toHaveLength(70);
        expect(deferred[0]).toEqual(
          expect.objectContaining({
            priority: expect.stringMatching(/^P[0-5]$/),
            count: expect.any(Number),
            template: expect.any(String),
            reason: expect.stringContaining("over the limit of 10 new issues per pass"),
          }),
        );
        const markdown = render("worklog", result.worklog);
        expect(markdown).toContain("### Waiting for a later pass (70)");
        expect(markdown).toContain("These patterns are found again in the logs of the next passes");
        // the CRITICAL entry seen once is P1: ahead of every routine warning
        const critical = patternIssues().find((i) => i.title.includes("Disk array degraded"));
        expect(critical?.title).toMatch(/^\[P1\]/);
      }
      if (drainedAt === undefined && patternIssues().length === 80) drainedAt = hour;
    }
    expect(drainedAt).toBeDefined();
    expect(drainedAt!).toBeLessThanOrEqual(Math.ceil(80 / 10) + 3);
    // priority first across passes: no pass files a lower priority before a higher one waits
    const priorities = filedIn
      .flat()
      .map((fp) => stateOf(patternIssues().find((i) => fpOf(i) === fp)!.body).priority);
    expect(priorities).toEqual([...priorities].sort());
    // no duplicates, no storm notice, and every count exact across the overlapping windows
    const issues = patternIssues();
    expect(new Set(issues.map(fpOf)).size).toBe(issues.length);
    expect(stormIssues()).toEqual([]);
    const counted = entries;
    for (const pattern of patterns) {
      const issue = issues.find((i) => stateOf(i.body).logger === `shop.${pattern.module}`);
      expect([pattern.module, issue && stateOf(issue.body).total]).toEqual([
        pattern.module,
        countOf(counted, pattern),
      ]);
    }
  }, 180_000);
});

describe("a storm after a baseline (no dashboard)", () => {
  const baseline = busyPatterns(4, { kinds: [2, 3, 4, 5], prefix: "base_" });
  /** Minutes after START. */
  const wave = (n: number, prefix: string, fromMin: number, toMin: number, kinds: number[]): Pattern[] =>
    busyPatterns(n, { kinds, prefix, toMin }).map((p) => ({ ...p, fromMin: fromMin + (p.index % 10) }));

  it("files no flood: one notice updated while it lasts, P0 still filed, closed when it ends", async () => {
    const first = [
      ...wave(20, "gone_", 210, 260, [2, 3, 4, 5]), // first seen in the storm, then never again
      ...wave(19, "stays_", 210, 16 * 60, [2, 3, 4, 5]),
      ...wave(1, "outage_", 215, 16 * 60, [0]),
    ];
    const second = wave(30, "later_", 250, 16 * 60, [2, 3, 4, 5]);
    const all = [...baseline, ...first, ...second];
    const entries = busyEntries(all, START, at(17));
    for (const hour of [1, 2, 3]) await pass(hour, entries, 6);
    expect(patternIssues()).toHaveLength(4);

    const start = await pass(4, entries, 6);
    expect(start.plan.storm).toEqual(expect.objectContaining({ newPatterns: 40, threshold: 25, usual: 0 }));
    expect(start.plan.intake.stormEvent).toBe("started");
    const outage = issuesOf("outage_");
    expect(outage).toHaveLength(1);
    expect(outage[0].title).toMatch(/^\[P0\]/);
    expect(patternIssues()).toHaveLength(5);
    expect(stormIssues()).toHaveLength(1);
    const notice = stormIssues()[0];
    expect(notice.title).toMatch(/Log storm: 40 new log patterns in one pass since 2026-11-23T04:00:00Z/);
    expect(notice.body).toMatch(/\*\*40 new log patterns\*\*/);
    expect(notice.body).toMatch(/\*\*P0\*\* · \d+× · shop: `Permissive auth fallback/);
    expect(notice.labels.map((l) => l.name)).toEqual(
      expect.arrayContaining(["log-gardener", "log-gardener:storm"]),
    );
    expect(start.worklog.intake?.storm?.event).toBe("started");
    expect(start.worklog.intake!.deferred.filter((d) => /a storm since/.test(d.reason))).toHaveLength(39);

    const more = await pass(5, entries, 6);
    expect(more.plan.intake.stormEvent).toBe("continues");
    expect(more.plan.intake.newPatterns).toBe(30);
    expect(patternIssues()).toHaveLength(5);
    expect(stormIssues()).toHaveLength(1);
    expect(stormIssues()[0].title).toMatch(/40 new log patterns in one pass/);
    expect(stormIssues()[0].body).toContain("2 pass(es) of this storm so far");

    const end = await pass(6, entries, 6);
    expect(end.plan.intake.stormEvent).toBe("ended");
    expect(end.plan.storm).toBeUndefined();
    expect(stormIssues()).toHaveLength(1);
    expect(stormIssues()[0]).toMatchObject({ state: "closed", state_reason: "completed" });
    expect(stormIssues()[0].body).toMatch(/ended/);
    expect(end.applied!.created).toEqual([]); // storm-born patterns wait for a second occurrence

    // afterwards: those that keep occurring are filed at the usual pace, those that stopped never
    for (let hour = 7; hour <= 16; hour++) {
      const result = await pass(hour, entries, 6);
      expect(result.applied!.created.length).toBeLessThanOrEqual(10);
      expect(result.plan.storm).toBeUndefined();
    }
    expect(issuesOf("stays_")).toHaveLength(19);
    expect(issuesOf("later_")).toHaveLength(30);
    expect(issuesOf("gone_")).toHaveLength(0);
    expect(stormIssues()).toHaveLength(1);
    expect(new Set(patternIssues().map(fpOf)).size).toBe(patternIssues().length);
  }, 180_000);

  it("is relative to the repo's usual: as many new patterns as usual are no storm", async () => {
    // a service that brings ~40 new patterns every pass (short-lived ids in its messages, say)
    const waves = Array.from({ length: 6 }, (_, k) =>
      wave(40, `w${k}_`, 60 * k + 30, 60 * k + 50, [2, 3, 4, 5]),
    );
    const entries = busyEntries([...baseline, ...waves.flat()], START, at(8));
    const config = testConfig((c) => (c.issues.maxNewPerPass = 50));
    for (let hour = 1; hour <= 6; hour++) {
      const result = await pass(hour, entries, 1, config);
      expect([hour, result.plan.storm]).toEqual([hour, undefined]);
    }
    expect(stormIssues()).toEqual([]);
  }, 180_000);
});
