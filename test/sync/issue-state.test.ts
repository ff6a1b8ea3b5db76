import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { executeCommands } from "../../src/app/commands/execute.js";
import { parseCommands } from "../../src/app/commands/parse.js";
import { decodeDashboardState } from "../../src/app/dashboard.js";
import { syncGarden } from "../../src/app/garden.js";
import { runRepoPass } from "../../src/app/pass-runner.js";
import { decodeState, encodeState, type IssueState } from "../../src/issue-body/marker.js";
import type { LogEntry } from "../../src/entries/log-entry.js";
import { gardenRepo } from "../../src/sync/garden-sync.js";
import type { FakeGitHub } from "../fake-github/index.js";
import { REPO, entry, harness, series, session, source, stateOf, testConfig } from "./helpers.js";

type H = Awaited<ReturnType<typeof harness>>;
let h: H;
let gh: FakeGitHub;
beforeEach(async () => {
  h = await harness();
  gh = h.gh;
});
afterEach(() => gh.close());

const cache = (n: number, start = "2026-11-23T04:00:00Z") =>
  series(n, start, (i) => `Cache shard rebalanced slowly after ${i * 13 + 5} moves`);
const STATE_RE = /<!-- log-gardener:state .*? -->/s;
const issue = (n: number) => gh.repo(REPO.owner, REPO.repo).issue(n)!;
const labelsOf = (n: number) => issue(n).labels.map((l) => l.name);
const count = (text: string, what: string) => text.split(what).length - 1;
/** Replaces the issue's state marker with `state` (what a command or a human edit leaves). */
const setState = (n: number, state: IssueState) =>
  gh.updateIssue(n, { body: issue(n).body!.replace(STATE_RE, () => encodeState(state)) });

describe("snooze for N occurrences", () => {
  it("counts down pass after pass and ends, so a regression reopens again", async () => {
    await h.pass(session(3), "2026-11-23T05:00:00Z");
    setState(1, { ...stateOf(issue(1).body), snooze: { occurrences: 5 } });
    h.close(1, "2026-11-23T05:30:00Z");

    await h.pass(session(3, "2026-11-23T06:00:00Z"), "2026-11-23T06:30:00Z");
    expect(stateOf(issue(1).body).snooze).toEqual({ occurrences: 2 });
    expect(issue(1).state).toBe("closed");

    await h.pass(session(3, "2026-11-23T07:00:00Z"), "2026-11-23T07:30:00Z");
    expect(stateOf(issue(1).body).snooze).toBeUndefined();
    expect(issue(1).state).toBe("closed"); // the pass that used the snooze up still stays quiet

    await h.pass(session(2, "2026-11-23T08:00:00Z"), "2026-11-23T08:30:00Z");
    expect(issue(1).state).toBe("open");
    expect(stateOf(issue(1).body).total).toBe(11);
    expect(gh.repo(REPO.owner, REPO.repo).commentsOn(1)).toHaveLength(1);
  });

  it("keeps a snooze a maintainer set while the pass ran instead of the pass's countdown", async () => {
    await h.pass(session(3), "2026-11-23T05:00:00Z");
    setState(1, { ...stateOf(issue(1).body), snooze: { occurrences: 10 } });
    const hold = gh.hold({ method: "GET", pathPattern: /\/issues\/1$/ });
    const pass = h.pass(session(3, "2026-11-23T06:00:00Z"), "2026-11-23T06:30:00Z");
    await hold.reached;
    setState(1, { ...stateOf(issue(1).body), snooze: { occurrences: 100 } });
    hold.release();
    await pass;
    expect(stateOf(issue(1).body).snooze).toEqual({ occurrences: 100 });
    expect(stateOf(issue(1).body).total).toBe(6);
  });
});

describe("a body a human damaged", () => {
  it("a deleted summary whose end marker was left is rebuilt once, not appended on every pass", async () => {
    await h.pass(session(3), "2026-11-23T05:00:00Z");
    const body = issue(1).body!;
    const start = body.indexOf("<!-- log-gardener:begin summary -->");
    const end = body.indexOf("### Impact");
    gh.updateIssue(1, { body: `Human note.\n\n${body.slice(0, start)}${body.slice(end)}` });

    const result = await h.pass(session(2, "2026-11-23T06:00:00Z"), "2026-11-23T06:30:00Z");
    expect(result.plan.damaged).toEqual([
      expect.objectContaining({ issue: 1, repaired: true, reason: expect.stringMatching(/summary section/) }),
    ]);
    expect(result.worklog.notes.join("\n")).toMatch(/Issue #1 had a damaged body .* rebuilt/);
    const repaired = issue(1).body!;
    expect(count(repaired, "<!-- log-gardener:begin summary -->")).toBe(1);
    expect(count(repaired, "<!-- log-gardener:end summary -->")).toBe(1);
    expect(repaired).toContain("Human note.");
    expect(stateOf(repaired).total).toBe(5);

    for (const hour of ["07", "08", "09"]) {
      await h.pass(session(2, `2026-11-23T${hour}:00:00Z`), `2026-11-23T${hour}:30:00Z`);
    }
    const later = issue(1).body!;
    expect(count(later, "<!-- log-gardener:begin summary -->")).toBe(1);
    expect(Math.abs(later.length - repaired.length)).toBeLessThan(400); // the history rows grow, nothing else
    expect(stateOf(later).total).toBe(11);
  });

  it("an old state marker pasted back is reported; counting goes on from the newest, without a false spike", async () => {
    const hours = ["04", "06", "07", "08"].map((hour) => session(3, `2026-11-23T${hour}:00:00Z`));
    await h.pass(hours[0], "2026-11-23T05:00:00Z");
    const old = issue(1).body!.match(STATE_RE)![0];
    for (const [i, hour] of ["06", "07", "08"].entries()) {
      await h.pass(hours[i + 1], `2026-11-23T${hour}:30:00Z`);
    }
    expect(stateOf(issue(1).body).total).toBe(12);
    gh.updateIssue(1, { body: `Copied from an old comment: ${old}\n\n${issue(1).body}` });
    const all = hours.flat();
    const result = await h.pass([...all, ...session(1, "2026-11-23T09:00:00Z")], "2026-11-23T09:30:00Z");
    expect(result.plan.damaged).toEqual([
      expect.objectContaining({ issue: 1, repaired: true, reason: expect.stringMatching(/2 state markers/) }),
    ]);
    const body = issue(1).body!;
    expect(count(body, "<!-- log-gardener:state")).toBe(1);
    expect(stateOf(body).total).toBe(13);
    expect(gh.repo(REPO.owner, REPO.repo).commentsOn(1)).toHaveLength(0);
  });

  it("one broken field is repaired and never stops the pass for the other issues", async () => {
    await h.pass([...session(3), ...cache(2)], "2026-11-23T05:00:00Z");
    const sessions = h.issues().find((i) => i.title.includes("Session"))!.number;
    const caches = h.issues().find((i) => i.title.includes("Cache"))!.number;
    gh.updateIssue(sessions, {
      body: issue(sessions).body!.replace(/"lastSeen":"[^"]*"/, '"lastSeen":"yesterday"'),
    });
    expect(decodeState(issue(sessions).body)).toEqual(expect.objectContaining({ ok: true }));
    const result = await h.pass(
      [...session(2, "2026-11-23T06:00:00Z"), ...cache(2, "2026-11-23T06:00:00Z")],
      "2026-11-23T06:30:00Z",
    );
    expect(result.applied?.failures).toEqual([]);
    expect(result.applied?.updated.sort()).toEqual([sessions, caches].sort());
    expect(stateOf(issue(sessions).body).lastSeen).toBe("2026-11-23T06:01:00.000Z");
    expect(stateOf(issue(sessions).body).total).toBe(5);
    expect(stateOf(issue(caches).body).total).toBe(4);
    expect(issue(sessions).body).not.toContain("yesterday");
  });

  it("sections out of order are put back in order, ticks and human text kept", async () => {
    await h.pass(session(3), "2026-11-23T05:00:00Z");
    const body = issue(1).body!.replace(
      "- [ ] <!-- log-gardener:step=0 -->",
      "- [x] <!-- log-gardener:step=0 -->",
    );
    const summary = body.slice(
      body.indexOf("<!-- log-gardener:begin summary -->"),
      body.indexOf("<!-- log-gardener:end summary -->") + "<!-- log-gardener:end summary -->".length,
    );
    const swapped = `${body.replace(summary, "Notes between.").replace(STATE_RE, "").trimEnd()}\n\n${summary}\n\n${body.match(STATE_RE)![0]}`;
    gh.updateIssue(1, { body: swapped });
    const result = await h.pass(session(2, "2026-11-23T06:00:00Z"), "2026-11-23T06:30:00Z");
    expect(result.plan.damaged[0]).toMatchObject({
      issue: 1,
      repaired: true,
      reason: expect.stringMatching(/out of order/),
    });
    const repaired = issue(1).body!;
    expect(repaired.indexOf("begin summary")).toBeLessThan(repaired.indexOf("begin checklist"));
    expect(count(repaired, "<!-- log-gardener:step=0 -->")).toBe(1);
    expect(repaired).toContain("- [x] <!-- log-gardener:step=0 -->");
    expect(repaired).toContain("**Status: ACTIVE – step 0 complete**");
    expect(repaired).toContain("Notes between.");
  });

  it("repairs a damaged body even when nothing new was counted", async () => {
    const logs = session(3);
    await h.pass(logs, "2026-11-23T05:00:00Z");
    gh.updateIssue(1, { body: issue(1).body!.replace("<!-- log-gardener:begin checklist -->", "") });
    const result = await h.pass(logs, "2026-11-23T06:00:00Z");
    expect(result.applied?.updated).toEqual([1]);
    expect(count(issue(1).body!, "<!-- log-gardener:begin checklist -->")).toBe(1);
    gh.clearRequests();
    await h.pass(logs, "2026-11-23T07:00:00Z");
    expect(gh.writes()).toBe(0);
  });

  it("markers of two different patterns are reported, not written, and neither pattern is filed again", async () => {
    await h.pass([...session(3), ...cache(2)], "2026-11-23T05:00:00Z");
    const [a, b] = h.issues();
    gh.updateIssue(a.number, { body: `${a.body}\n${b.body!.match(STATE_RE)![0]}` });
    gh.clearRequests();
    const result = await h.pass(
      [...session(2, "2026-11-23T06:00:00Z"), ...cache(2, "2026-11-23T06:00:00Z")],
      "2026-11-23T06:30:00Z",
    );
    expect(h.issues()).toHaveLength(2);
    expect(result.plan.damaged).toEqual([
      expect.objectContaining({
        issue: a.number,
        repaired: false,
        reason: expect.stringMatching(/different patterns/),
      }),
    ]);
    expect(gh.calls().filter((c) => c === `PATCH /repos/octo/repo/issues/${a.number}`)).toEqual([]);
  });
});

describe("found by fingerprint, not by label", () => {
  it("an issue whose label a maintainer removed is found, labelled again and not filed twice (no index)", async () => {
    await h.pass(session(3), "2026-11-23T05:00:00Z");
    gh.updateIssue(1, { labels: labelsOf(1).filter((l) => l !== "log-gardener") });
    const result = await h.pass(session(2, "2026-11-23T06:00:00Z"), "2026-11-23T06:30:00Z");
    expect(h.issues()).toHaveLength(1);
    expect(labelsOf(1)).toContain("log-gardener");
    expect(stateOf(issue(1).body).total).toBe(5);
    expect(result.unlabelled).toEqual([1]);
    expect(result.index).toEqual({ [stateOf(issue(1).body).fp]: 1 });
  });

  it("with the dashboard's index, a renamed bot label costs one read per missing issue, no scan", async () => {
    await h.pass(session(3), "2026-11-23T05:00:00Z");
    const index = { [stateOf(issue(1).body).fp]: 1 };
    const config = testConfig((c) => (c.labels.bot = "gardener"));
    gh.clearRequests();
    gh.setTime("2026-11-23T06:30:00Z");
    const result = await gardenRepo({
      gh: h.octokit,
      ...REPO,
      config,
      source: source(session(2, "2026-11-23T06:00:00Z")),
      now: new Date("2026-11-23T06:30:00Z"),
      index,
    });
    expect(h.issues()).toHaveLength(1);
    expect(labelsOf(1)).toContain("gardener");
    expect(stateOf(issue(1).body).total).toBe(5);
    expect(gh.calls().filter((c) => c.startsWith("GET /repos/octo/repo/issues"))).toEqual([
      "GET /repos/octo/repo/issues",
      "GET /repos/octo/repo/issues/1",
      "GET /repos/octo/repo/issues/1",
    ]);
    expect(result.index).toEqual(index);
  });

  it("a quiet pattern's issue found without its label is labelled again too", async () => {
    await h.pass([...session(3), ...cache(2)], "2026-11-23T05:00:00Z");
    const caches = h.issues().find((i) => i.title.includes("Cache"))!.number;
    gh.updateIssue(caches, { labels: [] });
    await h.pass(session(2, "2026-11-23T06:00:00Z"), "2026-11-23T06:30:00Z", testConfig(), false);
    // no create was planned, so no scan: the next pass that files something finds it
    await h.pass(
      [
        ...session(2, "2026-11-23T07:00:00Z"),
        ...series(2, "2026-11-23T07:00:00Z", (i) => `Disk almost full on node ${i}`),
      ],
      "2026-11-23T07:30:00Z",
    );
    expect(labelsOf(caches)).toEqual(["log-gardener"]);
    expect(h.issues()).toHaveLength(3);
  });
});

describe("labels follow the pattern", () => {
  it("severity and category labels move when the pattern escalates; other labels stay", async () => {
    await h.pass(session(3), "2026-11-23T05:00:00Z");
    gh.updateIssue(1, { labels: [...labelsOf(1), "team:payments"] });
    expect(labelsOf(1)).toContain("severity:warning");
    const config = testConfig((c) => {
      c.triage.rules = [
        {
          name: "sessions",
          match: { message: "Session access" },
          set: { priority: "P5", category: "security" },
        },
      ];
    });
    await h.pass(
      series(
        2,
        "2026-11-23T06:00:00Z",
        (i) => `Session access failed (middleware not installed?): req-${i}`,
        "ERROR",
      ),
      "2026-11-23T06:30:00Z",
      config,
    );
    const labels = labelsOf(1);
    expect(labels).toEqual(
      expect.arrayContaining(["severity:error", "category:security", "team:payments", "log-gardener"]),
    );
    expect(labels).not.toContain("severity:warning");
    expect(labels).not.toContain("category:configuration");
  });
});

describe("late entries", () => {
  const late = (message: string, at: string, received: string): LogEntry =>
    entry(message, at, "WARNING", { receiveTimestamp: new Date(received) });

  it("an entry that arrives 30 minutes late is counted once, by when it arrived", async () => {
    const onTime = session(5, "2026-11-23T09:30:00Z").map((e) => ({
      ...e,
      receiveTimestamp: new Date(e.timestamp.getTime() + 2_000),
    }));
    await h.pass(onTime, "2026-11-23T10:00:00Z");
    const straggler = late(
      "Session access failed (middleware not installed?): req-77",
      "2026-11-23T09:31:00Z",
      "2026-11-23T10:01:00Z",
    );
    await h.pass([...onTime, straggler], "2026-11-23T11:00:00Z");
    await h.pass([...onTime, straggler], "2026-11-23T12:00:00Z");
    expect(stateOf(issue(1).body).total).toBe(6);
    expect(stateOf(issue(1).body).history.map((r) => r.count)).toEqual([5, 1]);
  });
});

describe("no duplicates from a second process", () => {
  const logs = session(4);
  /**
   * Two passes file one pattern: the first is held at its create while a second process (its own lock)
   * files #1; `release` lets the first go on, to file #2.
   */
  const race = async () => {
    const ownLock = <T>(_key: string, fn: () => Promise<T>) => fn();
    const run = (lock?: typeof ownLock) =>
      gardenRepo({
        gh: h.octokit,
        ...REPO,
        config: testConfig(),
        source: source(logs),
        now: new Date("2026-11-23T05:00:00Z"),
        lock,
      });
    gh.setTime("2026-11-23T05:00:00Z");
    const hold = gh.hold({ method: "POST", pathPattern: /\/issues$/ });
    const first = run();
    await hold.reached;
    const second = await run(ownLock);
    return { first, second, release: () => hold.release() };
  };
  const open = () =>
    h
      .issues()
      .filter((i) => i.state === "open")
      .map((i) => i.number);

  it("two passes racing to file one pattern: the lower number is kept, the other closed as its duplicate", async () => {
    const { first, second, release } = await race();
    expect(second.applied?.created.map((c) => c.number)).toEqual([1]);
    release();
    const firstResult = await first;
    expect(firstResult.applied?.created.map((c) => c.number)).toEqual([2]);
    expect(firstResult.applied?.duplicates).toEqual([{ issue: 2, of: 1, fingerprint: expect.any(String) }]);
    expect(issue(1).state).toBe("open");
    expect(issue(2)).toMatchObject({ state: "closed", state_reason: "duplicate" });
    expect(gh.repo(REPO.owner, REPO.repo).commentsOn(2)[0].body).toMatch(/Duplicate of #1/);
    expect(firstResult.index).toEqual({ [stateOf(issue(1).body).fp]: 1 });

    await h.pass([...logs, ...session(2, "2026-11-23T05:10:00Z")], "2026-11-23T06:00:00Z");
    expect(open()).toEqual([1]);
    expect(stateOf(issue(1).body).total).toBe(6);
  });

  it("a duplicate left open by a pass that died before its re-list is closed by a later pass, not at once", async () => {
    const { first, release } = await race();
    gh.failNext({ method: "GET", pathPattern: /\/issues$/, status: 404 }); // the re-list: the pass dies here
    release();
    await expect(first).rejects.toThrow();
    expect(open()).toEqual([1, 2]);

    await h.pass(session(1, "2026-11-23T05:05:00Z"), "2026-11-23T05:10:00Z");
    expect(issue(2).state).toBe("open"); // its own pass may still be about to close it

    await h.pass(session(1, "2026-11-23T05:40:00Z"), "2026-11-23T05:45:00Z");
    expect(issue(2)).toMatchObject({ state: "closed", state_reason: "duplicate" });
    expect(
      gh
        .repo(REPO.owner, REPO.repo)
        .commentsOn(2)
        .map((c) => c.body),
    ).toEqual([expect.stringMatching(/Duplicate of #1/)]);
    expect(open()).toEqual([1]);
    expect(stateOf(issue(1).body).total).toBe(6);
  });
});

describe("commands and passes on one issue", () => {
  const command = (issueNumber: number, text: string, now: string) =>
    executeCommands(
      {
        gh: h.octokit,
        repo: REPO,
        issueNumber,
        actor: "maint",
        now: new Date(now),
        config: testConfig(),
        triggerPass: () => true,
      },
      parseCommands(text).commands,
      [],
    );

  it("/garden snooze 5 lasts five occurrences, then the pattern pings again", async () => {
    await h.pass(session(3), "2026-11-23T05:00:00Z");
    h.close(1, "2026-11-23T05:10:00Z");
    expect(await command(1, "/garden snooze 5", "2026-11-23T05:20:00Z")).toMatch(/snoozed for the next 5/);
    await h.pass(session(4, "2026-11-23T06:00:00Z"), "2026-11-23T06:30:00Z");
    expect(stateOf(issue(1).body).snooze).toEqual({ occurrences: 1 });
    await h.pass(session(1, "2026-11-23T07:00:00Z"), "2026-11-23T07:30:00Z");
    expect(stateOf(issue(1).body).snooze).toBeUndefined();
    expect(issue(1).state).toBe("closed");
    await h.pass(session(1, "2026-11-23T08:00:00Z"), "2026-11-23T08:30:00Z");
    expect(issue(1).state).toBe("open");
  });

  it("linking busy patterns keeps the body small, and counting exact", async () => {
    // 600 entries a pattern, one a second: each issue remembers the most insert ids it may
    const busy = (word: string) =>
      Array.from({ length: 600 }, (_, i) =>
        entry(
          `${word} queue consumer lagged by ${i} messages`,
          new Date(Date.parse("2026-11-23T04:50:00Z") + i * 1000).toISOString(),
        ),
      );
    const words = ["orders", "billing", "search", "ingest", "emails"];
    const logs = words.map(busy);
    await h.pass(logs.flat(), "2026-11-23T05:00:00Z");
    expect(h.issues()).toHaveLength(5);
    const numberOf = (word: string) => h.issues().find((i) => i.title.includes(word))!.number;
    const before = issue(numberOf("orders")).body!.length;
    for (const word of words.slice(1)) {
      const reply = await command(
        numberOf(word),
        `/garden link #${numberOf("orders")}`,
        "2026-11-23T05:10:00Z",
      );
      expect(reply).toMatch(/now tracks this pattern/);
    }
    const linked = issue(numberOf("orders")).body!;
    expect(linked.length - before).toBeLessThan(15_000);
    const m = stateOf(linked);
    expect(m.aliases).toHaveLength(4);
    expect(m.linked!.reduce((n, g) => n + g.recent.length, 0)).toBeLessThanOrEqual(300);
    expect(m.total).toBe(3000);
    // the same logs again plus one new entry of a linked pattern: exactly one more
    const extra = entry("billing queue consumer lagged by 9999 messages", "2026-11-23T05:01:00Z");
    await h.pass([...logs.flat(), extra], "2026-11-23T05:30:00Z");
    expect(stateOf(issue(numberOf("orders")).body).total).toBe(3001);
  });
});

describe("the fingerprint index in the dashboard", () => {
  it("a pass of the app keeps the index, and finds an unlabelled issue by number without a scan", async () => {
    gh.setFile(".github/log-gardener.yml", "project: acme-prod\n", "octo/repo");
    const logs = session(3, "2026-11-23T09:00:00Z");
    const run = (now: string) => {
      gh.setTime(now);
      return runRepoPass(h.octokit, REPO.owner, REPO.repo, {
        allowList: new Map([["octo/*", ["acme-prod"]]]),
        readLogs: async (_config, { from, to }) => ({ ...source(logs), timeRange: { from, to } }),
        garden: syncGarden,
        now: () => new Date(now),
        force: true,
      });
    };
    const first = await run("2026-11-23T10:00:00Z");
    expect(first.status).toBe("ran");
    const tracked = h.issues().find((i) => i.title.includes("Session"))!;
    const dashboard = h.issues().find((i) => i.labels.some((l) => l.name === "log-gardener:dashboard"))!;
    expect(decodeDashboardState(dashboard.body)?.issues).toEqual({
      [stateOf(tracked.body).fp]: tracked.number,
    });

    gh.updateIssue(tracked.number, { labels: [] });
    logs.push(...session(2, "2026-11-23T10:30:00Z"));
    gh.clearRequests();
    await run("2026-11-23T11:00:00Z");
    expect(labelsOf(tracked.number)).toContain("log-gardener");
    expect(stateOf(issue(tracked.number).body).total).toBe(5);
    expect(h.issues()).toHaveLength(2);
    // read by number: no listing of every issue of the repo
    expect(
      gh.requests
        .filter((r) => r.path === "/repos/octo/repo/issues" && r.method === "GET")
        .map((r) => r.query.labels),
    ).toEqual(["log-gardener:dashboard", "log-gardener"]);
  });
});
