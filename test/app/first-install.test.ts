// First install, backlog, ticks, `/garden file` and storms in the GitHub App: the dashboard keeps the
// backlog, so nothing deferred is lost, not even across a restart.
import { afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import { readBacklogTicks, setBacklogTicks } from "../../src/issue-body/dashboard-state.js";
import { readTicks } from "../../src/issue-body/checklist.js";
import { busyEntries, busyPatterns, countOf, type Pattern } from "../fixtures/busy-service.js";
import type { FakeIssue } from "../fake-github/index.js";
import { stateOf } from "../sync/helpers.js";
import { startApp, type AppHarness } from "./harness.js";

const START = "2026-11-23T00:00:00Z";
const HOUR = 3_600_000;
const at = (hour: number) => new Date(Date.parse(START) + hour * HOUR).toISOString();
const MOSTLY_ROUTINE = [0, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5];

let app: AppHarness | undefined;
beforeAll(() => {
  process.env.METADATA_SERVER_DETECTION = "none";
});
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const isNotice = (i: FakeIssue) => i.labels.some((l) => l.name.startsWith("log-gardener:"));
const patternIssues = () => app!.gh.repo("octo", "repo").issues.filter((i) => !isNotice(i));
const loggerOf = (i: FakeIssue) => stateOf(i.body).logger;
const issueOfPattern = (p: Pattern) => patternIssues().find((i) => loggerOf(i) === `shop.${p.module}`);
const backlogFps = () => (app!.dashboardState()?.backlog ?? []).map((e) => e.fp);

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!cond()) throw new Error("timed out");
}

async function passAt(hour: number): Promise<void> {
  app!.setNow(at(hour));
  expect(await app!.pass()).toBe("ran");
}

describe("first install in the app", () => {
  it("files ten a pass, priority first, from a backlog the dashboard keeps across a restart, with exact counts", async () => {
    app = await startApp("project: acme-prod\nwindow: 3h\n");
    // 80 patterns that all stop within the first two hours: most are gone from the window long before
    // their turn, and are filed from the backlog all the same
    const patterns = busyPatterns(80, { kinds: MOSTLY_ROUTINE, toMin: 110 });
    app.entries.push(...busyEntries(patterns, START, at(2)));

    await passAt(1);
    expect(patternIssues()).toHaveLength(10);
    const first = patternIssues().map((i) => stateOf(i.body).priority);
    const state = app.dashboardState()!;
    expect(state.backlog).toHaveLength(70);
    const waiting = state.backlog!.map((e) => e.priority);
    expect([...first].sort().at(-1)! <= [...waiting].sort()[0]).toBe(true);
    const boxes = readBacklogTicks(app.dashboard()!.body);
    expect([...boxes.keys()].filter((k) => k !== "all")).toEqual(state.backlog!.map((e) => e.fp));
    expect(app.dashboard()!.body).toContain("## Backlog: 70 pattern(s) waiting for an issue");

    const filed = new Set<string>();
    let drainedAt: number | undefined;
    for (let hour = 2; hour <= 11; hour++) {
      if (hour === 4) await app.restart(); // nothing but GitHub survives
      const before = patternIssues().length;
      await passAt(hour);
      expect(patternIssues().length - before).toBeLessThanOrEqual(10);
      if (drainedAt === undefined && patternIssues().length === 80) drainedAt = hour;
    }
    expect(drainedAt).toBeDefined();
    expect(drainedAt!).toBeLessThanOrEqual(Math.ceil(80 / 10) + 3);
    expect(backlogFps()).toEqual([]);
    expect(app.dashboard()!.body).not.toContain("## Backlog");
    for (const issue of patternIssues()) filed.add(stateOf(issue.body).fp);
    expect(filed.size).toBe(80);
    // every count exact: counted while the pattern waited, once across the overlapping windows
    for (const p of patterns) {
      expect([p.module, stateOf(issueOfPattern(p)!.body).total]).toEqual([p.module, countOf(app.entries, p)]);
    }
    // filed from the backlog after its pattern had left the window: no sample, its own dates
    const late = patternIssues().filter((i) =>
      /No entry of this pattern in the last pass's window/.test(i.body!),
    );
    expect(late.length).toBeGreaterThan(0);
  }, 240_000);
});

describe("the maintainer in control of the backlog", () => {
  const six = busyPatterns(6, { kinds: [0, 1, 2, 3, 4, 5], toMin: 20 * 60 });

  async function installed(): Promise<void> {
    app = await startApp("project: acme-prod\nissues:\n  maxNewPerPass: 1\n");
    app.entries.push(...busyEntries(six, START, at(20)));
    await passAt(1);
    expect(patternIssues()).toHaveLength(1);
    expect(backlogFps()).toHaveLength(5);
  }

  it("a ticked box or /garden file files the pattern in the next pass, outside the budget", async () => {
    await installed();
    const [top, , third, , last] = backlogFps(); // filing order: P1 first … P5 last
    const dash = app!.dashboard()!;
    await app!.edit(dash.number, setBacklogTicks(dash.body!, new Map([[last, true]])));
    expect(app!.dashboardState()!.backlog!.find((e) => e.fp === last)?.requested?.by).toBe("maint");

    await app!.comment(dash.number, `/garden file ${third}`);
    const reply = app!.gh.repo("octo", "repo").commentsOn(dash.number).at(-1)!;
    expect(reply.body).toMatch(/1 pattern\(s\) will be filed in the next pass/);
    expect(reply.body).toContain(third);
    expect(readBacklogTicks(app!.dashboard()!.body).get(third)).toBe(true);

    await passAt(2);
    const fps = patternIssues().map((i) => stateOf(i.body).fp);
    expect(fps).toEqual(expect.arrayContaining([top, third, last])); // 1 by budget + 2 asked for
    expect(patternIssues()).toHaveLength(4);
    expect(backlogFps()).toHaveLength(2);

    await app!.comment(app!.dashboard()!.number, "/garden file all");
    await passAt(3);
    expect(patternIssues()).toHaveLength(6);
    expect(backlogFps()).toEqual([]);
    expect(new Set(patternIssues().map((i) => stateOf(i.body).fp)).size).toBe(6);
  }, 120_000);

  it("keeps a box ticked while a pass runs", async () => {
    await installed();
    const last = backlogFps().at(-1)!;
    const hold = app!.gh.hold({ method: "POST", pathPattern: /\/issues$/ });
    app!.setNow(at(2));
    const running = app!.pass();
    await hold.reached;
    const dash = app!.dashboard()!;
    const editing = app!.edit(dash.number, setBacklogTicks(dash.body!, new Map([[last, true]])));
    await until(() => app!.gh.requests.some((r) => r.path.endsWith("/permission")));
    hold.release();
    await Promise.all([running, editing]);
    expect(app!.dashboardState()!.backlog!.find((e) => e.fp === last)?.requested?.by).toBe("maint");
    expect(readBacklogTicks(app!.dashboard()!.body).get(last)).toBe(true);
    await passAt(3);
    expect(patternIssues().map((i) => stateOf(i.body).fp)).toContain(last);
  }, 120_000);

  it("puts back a box ticked by someone without write permission, and /garden file elsewhere is refused", async () => {
    await installed();
    const last = backlogFps().at(-1)!;
    const dash = app!.dashboard()!;
    await app!.edit(dash.number, setBacklogTicks(dash.body!, new Map([[last, true]])), "visitor");
    expect(readBacklogTicks(app!.dashboard()!.body).get(last)).toBe(false);
    expect(app!.dashboardState()!.backlog!.find((e) => e.fp === last)?.requested).toBeUndefined();

    const issue = patternIssues()[0];
    await app!.comment(issue.number, `/garden file ${last}`);
    const reply = app!.gh.repo("octo", "repo").commentsOn(issue.number).at(-1)!;
    expect(reply.body).toMatch(/works on the Log Gardener dashboard issue/);

    await passAt(2);
    expect(patternIssues().map((i) => stateOf(i.body).fp)).not.toContain(last);
  }, 120_000);

  it("puts back a remediation box ticked by someone without write permission; the next pass shows no progress", async () => {
    await installed();
    const issue = patternIssues()[0];
    const ticked = issue.body!.replace(
      "- [ ] <!-- log-gardener:step=0 -->",
      "- [x] <!-- log-gardener:step=0 -->",
    );
    await app!.edit(issue.number, ticked, "visitor");
    const after = app!.gh.repo("octo", "repo").issue(issue.number)!;
    expect(readTicks(after.body!)[0]).toBe(false);
    expect(after.body).toContain("**Status: ACTIVE – not started**");
    expect(after.labels.map((l) => l.name)).not.toContain("step:0");

    await passAt(2);
    const later = app!.gh.repo("octo", "repo").issue(issue.number)!;
    expect(later.body).toContain("**Status: ACTIVE – not started**");
    // a maintainer's tick is progress
    await app!.edit(
      issue.number,
      later.body!.replace("- [ ] <!-- log-gardener:step=0 -->", "- [x] <!-- log-gardener:step=0 -->"),
    );
    expect(app!.gh.repo("octo", "repo").issue(issue.number)!.body).toContain(
      "**Status: ACTIVE – step 0 complete**",
    );
  }, 120_000);
});

describe("a storm in the app", () => {
  it("shows one notice on the dashboard, still files P0, ends, then files what keeps occurring", async () => {
    app = await startApp("project: acme-prod\n");
    const baseline = busyPatterns(3, { kinds: [2, 3, 4], prefix: "base_" });
    const storm = [
      ...busyPatterns(14, { kinds: [2, 3, 4, 5], prefix: "gone_", toMin: 280 }),
      ...busyPatterns(15, { kinds: [2, 3, 4, 5], prefix: "stays_", toMin: 16 * 60 }),
      ...busyPatterns(1, { kinds: [0], prefix: "outage_", toMin: 16 * 60 }),
    ].map((p) => ({ ...p, fromMin: 200 + (p.index % 20) }));
    app.entries.push(...busyEntries([...baseline, ...storm], START, at(12)));
    for (const hour of [1, 2, 3]) await passAt(hour);
    expect(patternIssues()).toHaveLength(3);

    await passAt(4);
    expect(patternIssues()).toHaveLength(4);
    expect(patternIssues().filter((i) => loggerOf(i)?.startsWith("shop.outage_"))).toHaveLength(1);
    expect(
      app.gh.repo("octo", "repo").issues.filter((i) => i.labels.some((l) => l.name === "log-gardener:storm")),
    ).toEqual([]);
    const body = app.dashboard()!.body!;
    expect(body).toMatch(/## ⚠️ Log storm since 2026-11-23T04:00:00Z/);
    expect(body).toMatch(/\*\*30 new log patterns\*\*/);
    expect(app.dashboardState()!.storms).toHaveLength(1);
    expect(app.dashboardState()!.backlog).toHaveLength(29);

    await passAt(5);
    expect(app.dashboard()!.body).toMatch(/## Log storm of 2026-11-23T04:00:00Z: ended/);
    expect(patternIssues()).toHaveLength(4);
    expect(app.dashboard()!.body).toMatch(/first seen in a storm: filed if it occurs again/);

    for (let hour = 6; hour <= 8; hour++) await passAt(hour);
    const loggers = patternIssues().map(loggerOf);
    expect(loggers.filter((l) => l?.startsWith("shop.stays_"))).toHaveLength(15);
    expect(loggers.filter((l) => l?.startsWith("shop.gone_"))).toHaveLength(0);
    expect(app.dashboard()!.body).not.toMatch(/Log storm/);
  }, 240_000);
});
