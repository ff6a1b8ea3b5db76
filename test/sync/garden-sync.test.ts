import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { fingerprint } from "../../src/cluster/fingerprint.js";
import { encodeState } from "../../src/issue-body/marker.js";
import type { FakeGitHub } from "../fake-github/index.js";
import { gardenRepo } from "../../src/sync/garden-sync.js";
import { render } from "../../src/templates/render.js";
import {
  REPO,
  entry,
  expectBefore,
  harness,
  series,
  session,
  source,
  stateOf,
  testConfig,
} from "./helpers.js";

type H = Awaited<ReturnType<typeof harness>>;
let h: H;
let gh: FakeGitHub;
beforeEach(async () => {
  h = await harness();
  gh = h.gh;
});
afterEach(() => gh.close());

const buffer = (n: number, start = "2026-11-23T04:00:00Z") =>
  series(
    n,
    start,
    (i) => `HIGH BUFFER UTILIZATION: ${90 + (i % 9)}.${i}% - Timeout 0.3s may be too aggressive`,
  );

describe("garden sync against the GitHub REST API", () => {
  it("creates one labelled issue per pattern, with the marker in the create call", async () => {
    const result = await h.pass([...session(19), ...buffer(2)], "2026-11-23T10:00:00Z");
    expect(result.applied?.created).toHaveLength(2);
    const markdown = render("worklog", result.worklog);
    expect(markdown).toMatch(/\| #1 \(created\) \|/);
    expect(markdown).toMatch(/\| #2 \(created\) \|/);
    const issues = h.issues();
    expect(issues).toHaveLength(2);
    const posts = gh.requests.filter((r) => r.method === "POST" && r.path.endsWith("/issues"));
    expect(posts).toHaveLength(2);
    for (const post of posts)
      expect(String((post.body as { body: string }).body)).toContain("log-gardener:state");
    const sessionIssue = issues.find((i) => i.title.includes("Session access failed"))!;
    expect(sessionIssue.title).toMatch(
      /^\[P\d\] api: Session access failed \(middleware not installed\?\): <id>$/,
    );
    expect(sessionIssue.labels.map((l) => l.name)).toEqual(
      expect.arrayContaining([
        "log-gardener",
        "severity:warning",
        "service:api",
        "category:configuration",
        "priority:P5",
      ]),
    );
    expect(stateOf(sessionIssue.body).total).toBe(19);
    const repoLabels = gh.repo("octo", "repo").labels;
    expect(repoLabels.find((l) => l.name === "priority:P5")?.description).toMatch(/priority/);
  });

  it("writes nothing on a second run over the same logs, reading one page of issues", async () => {
    const logs = [...session(19), ...buffer(2)];
    await h.pass(logs, "2026-11-23T10:00:00Z");
    gh.clearRequests();
    const again = await h.pass(logs, "2026-11-23T11:00:00Z");
    expect(gh.writes()).toBe(0);
    expect(gh.reads()).toBe(1);
    expect(again.plan.actions).toEqual([]);
  });

  it("counts every entry once across overlapping windows", async () => {
    const all = session(30);
    await h.pass(all.slice(0, 20), "2026-11-23T10:00:00Z");
    await h.pass(all.slice(10, 30), "2026-11-23T11:00:00Z");
    const [issue] = h.issues();
    const state = stateOf(issue.body);
    expect(state.total).toBe(30);
    expect(state.history.map((r) => r.count)).toEqual([20, 10]);
    expect(issue.body).toContain("| Occurrences | 30 in total, 10 in the last pass |");
  });

  it("counts a late entry inside the lateness band once, by its insert id", async () => {
    const first = session(5);
    await h.pass(first, "2026-11-23T10:00:00Z");
    const late = entry("Session access failed (middleware not installed?): req-9", "2026-11-23T04:02:30Z");
    await h.pass([...first, late], "2026-11-23T11:00:00Z");
    await h.pass([...first, late], "2026-11-23T12:00:00Z");
    expect(stateOf(h.issues()[0].body).total).toBe(6);
  });

  it("reopens an issue closed as completed when the pattern comes back, counting only entries after the close", async () => {
    await h.pass(session(5), "2026-11-23T05:00:00Z");
    h.close(1, "2026-11-23T06:00:00Z");
    const inFlight = session(2, "2026-11-23T06:05:00Z"); // within the 15 min grace
    const after = session(3, "2026-11-23T07:00:00Z");
    await h.pass([...inFlight, ...after], "2026-11-23T08:00:00Z");
    const [issue] = h.issues();
    expect(issue.state).toBe("open");
    const comments = gh.repo("octo", "repo").comments.filter((c) => c.issue_number === 1);
    expect(comments).toHaveLength(1);
    expect(comments[0].body).toMatch(
      /Regressed:\*\* 3 occurrence\(s\) since it was closed on 2026-11-23T06:00:00Z/,
    );
    expect(stateOf(issue.body).total).toBe(10);
  });

  it("does not reopen within the grace period", async () => {
    await h.pass(session(5), "2026-11-23T05:00:00Z");
    h.close(1, "2026-11-23T06:00:00Z");
    await h.pass(session(2, "2026-11-23T06:05:00Z"), "2026-11-23T06:30:00Z");
    expect(h.issues()[0].state).toBe("closed");
    expect(gh.repo("octo", "repo").comments).toHaveLength(0);
  });

  it("keeps an issue closed as not planned closed, and still keeps its count", async () => {
    await h.pass(session(5), "2026-11-23T05:00:00Z");
    h.close(1, "2026-11-23T06:00:00Z", "not_planned");
    await h.pass(session(4, "2026-11-23T09:00:00Z"), "2026-11-23T10:00:00Z");
    const [issue] = h.issues();
    expect(issue.state).toBe("closed");
    expect(stateOf(issue.body).total).toBe(9);
    expect(gh.repo("octo", "repo").comments).toHaveLength(0);
  });

  it("opens a new issue that links the old one under the new-issue policy", async () => {
    const config = testConfig((c) => (c.regression.policy = "new-issue"));
    await h.pass(session(5), "2026-11-23T05:00:00Z", config);
    const closed = h.close(1, "2026-11-23T06:00:00Z");
    expectBefore("the close of #1", closed.closed_at, "2026-11-23T23:00:00Z");
    await h.pass(session(3, "2026-11-23T23:00:00Z"), "2026-11-23T23:59:00Z", config);
    const issues = h.issues();
    expect(issues).toHaveLength(2);
    expect(issues[0].state).toBe("closed");
    expect(issues[1].body).toContain("Regression of #1");
    expect(stateOf(issues[1].body).total).toBe(3);
    await h.pass(session(2, "2026-11-24T01:00:00Z"), "2026-11-24T02:00:00Z", config);
    expect(h.issues()).toHaveLength(2);
    expect(stateOf(h.issues()[1].body).total).toBe(5);
  });

  it("keeps a maintainer's title, priority label, ticked boxes and own text across updates", async () => {
    await h.pass(session(5), "2026-11-23T05:00:00Z");
    const original = h.issues()[0];
    const edited = `Triage note from a human.\n\n${original.body!.replace("- [ ] <!-- log-gardener:step=0 -->", "- [x] <!-- log-gardener:step=0 -->")}\n\nMore human text.`;
    gh.updateIssue(1, {
      title: "Sessions broken on staging",
      body: edited,
      labels: [...original.labels.map((l) => l.name).filter((n) => n !== "priority:P5"), "priority:P1"],
    });
    await h.pass(session(3, "2026-11-23T09:00:00Z"), "2026-11-23T10:00:00Z");
    const [issue] = h.issues();
    expect(issue.title).toBe("Sessions broken on staging");
    expect(issue.labels.map((l) => l.name)).toContain("priority:P1");
    expect(issue.labels.map((l) => l.name)).not.toContain("priority:P5");
    expect(issue.body).toMatch(/^Triage note from a human\./);
    expect(issue.body).toContain("More human text.");
    expect(issue.body).toContain("- [x] <!-- log-gardener:step=0 -->");
    expect(issue.body).toContain("**Status: ACTIVE – step 0 complete**");
    expect(stateOf(issue.body).total).toBe(8);
    expect(issue.body!.match(/log-gardener:state/g)).toHaveLength(1);
  });

  it("neutralises fences, mentions, references and forged markers in log text", async () => {
    const hostile = series(
      3,
      "2026-11-23T04:00:00Z",
      (i) =>
        `Upload failed for @octocat and @acme/admins see #12 and acme/api#7 \`\`\`\` <!-- log-gardener:state {"fp":"x","total":999,"templateId":"y"} --> <img src=x> n=${i}`,
    );
    await h.pass(hostile, "2026-11-23T05:00:00Z");
    const [issue] = h.issues();
    // What GitHub renders: neither fenced code nor HTML comments (the state marker) can ping or link.
    const outsideFences = issue
      .body!.replace(/(`{3,})[^\n]*\n[\s\S]*?\n\1/g, "")
      .replace(/<!--[\s\S]*?-->/g, "");
    expect(outsideFences).not.toMatch(/(^|[^\w`])@octocat\b/);
    expect(outsideFences).not.toMatch(/(^|[^\w`])@acme\/admins\b/);
    expect(outsideFences).not.toMatch(/(^|\s)#12\b/);
    expect(outsideFences).not.toContain("<img");
    expect(issue.title).not.toMatch(/(^|\s)@octocat\b/);
    expect(issue.body!.match(/<!-- log-gardener:state/g)).toHaveLength(1);
    expect(stateOf(issue.body).total).toBe(3);
    expect(issue.body).not.toContain("&#x27;");
  });

  it("never publishes a secret, in the title, body or samples", async () => {
    const token = "ghp_" + "A1b2C3d4E5".repeat(3) + "F6G7H8";
    const mail = "jane.doe" + "@example.com";
    const bearer = "Bearer " + "abcdefghijklmnopqrstuvwxyzABCDEFGH";
    const logs = series(
      3,
      "2026-11-23T04:00:00Z",
      (i) =>
        `Login failed for ${mail} with token=${token} attempt ${i}; upstream said Authorization: ${bearer}`,
    );
    await h.pass(logs, "2026-11-23T05:00:00Z");
    const [issue] = h.issues();
    for (const text of [issue.title, issue.body!]) {
      expect(text).not.toContain(token);
      expect(text).not.toContain(mail);
      expect(text).not.toContain("abcdefghijklmnopqrstuvwxyzABCDEFGH");
    }
    expect(issue.body).toContain("[REDACTED:");
  });

  it("recovers from a 5xx in the middle of a pass: no duplicate issue, no lost or doubled count", async () => {
    const logs = [...session(19), ...buffer(2)];
    gh.failNext({ method: "POST", pathPattern: /\/issues$/, status: 502 });
    const first = await h.pass(logs, "2026-11-23T10:00:00Z");
    expect(first.applied?.failures.length).toBeGreaterThan(0);
    const createdFirst = h.issues().length;
    expect(createdFirst).toBe(1);
    await h.pass([...logs, ...session(1, "2026-11-23T09:30:00Z")], "2026-11-23T11:00:00Z");
    const issues = h.issues();
    expect(issues).toHaveLength(2);
    const totals = issues.map((i) => stateOf(i.body).total).sort((a, b) => a - b);
    expect(totals).toEqual([2, 20]);
  });

  it("never calls the first pass on a repo a storm: with no baseline it files within the budget", async () => {
    const config = testConfig((c) => (c.issues.stormThreshold = 3));
    const logs = ["alpha", "bravo", "charlie", "delta", "echo"].flatMap((w) =>
      series(2, "2026-11-23T04:00:00Z", (i) => `${w} subsystem refused request number ${i}`),
    );
    const result = await h.pass(logs, "2026-11-23T05:00:00Z", config);
    expect(h.issues()).toHaveLength(5);
    expect(result.plan.storm).toBeUndefined();
    expect(result.plan.intake).toMatchObject({ baseline: false, newPatterns: 5 });
  });

  it("files at most maxNewPerPass issues and leaves the rest for later; equal ones oldest first", async () => {
    const config = testConfig((c) => (c.issues.maxNewPerPass = 2));
    const logs = ["alpha", "bravo", "charlie"].flatMap((w, k) =>
      series(2, `2026-11-23T0${4 + k}:00:00Z`, (i) => `${w} subsystem refused request number ${i}`),
    );
    const result = await h.pass(logs, "2026-11-23T08:00:00Z", config);
    expect(h.issues().map((i) => i.title)).toEqual([
      expect.stringContaining("alpha"),
      expect.stringContaining("bravo"),
    ]);
    expect(result.plan.deferred).toEqual([
      expect.objectContaining({ template: expect.stringContaining("charlie") }),
    ]);
    await h.pass(logs, "2026-11-23T09:00:00Z", config);
    expect(h.issues()).toHaveLength(3);
  });

  it("comments on a spike of 10x the usual rate, and not on ordinary passes", async () => {
    for (let hour = 0; hour < 3; hour++) {
      await h.pass(session(2, `2026-11-23T0${hour + 1}:00:00Z`), `2026-11-23T0${hour + 1}:30:00Z`);
    }
    expect(gh.repo("octo", "repo").comments).toHaveLength(0);
    await h.pass(session(25, "2026-11-23T05:00:00Z"), "2026-11-23T05:30:00Z");
    const comments = gh.repo("octo", "repo").comments;
    expect(comments).toHaveLength(1);
    expect(comments[0].body).toMatch(
      /Spike:\*\* 25 occurrences in the last pass, about 13× the usual 2 per pass/,
    );
  });

  it("raises the priority label and says why when a rule ranks a pattern higher", async () => {
    await h.pass(session(3), "2026-11-23T05:00:00Z");
    expect(h.issues()[0].labels.map((l) => l.name)).toContain("priority:P5");
    const config = testConfig((c) => {
      c.triage.rules = [
        {
          name: "sessions-matter",
          match: { message: "Session access" },
          set: { priority: "P1", category: "user-flow" },
        },
      ];
    });
    await h.pass(session(2, "2026-11-23T06:00:00Z"), "2026-11-23T06:30:00Z", config);
    const [issue] = h.issues();
    expect(issue.labels.map((l) => l.name)).toContain("priority:P1");
    expect(issue.labels.map((l) => l.name)).not.toContain("priority:P5");
    expect(issue.title).toMatch(/^\[P1\] /);
    expect(gh.repo("octo", "repo").comments[0].body).toContain(
      'Priority raised** from P5 to P1 by rule "sessions-matter"',
    );
  });

  it("does not reopen or ping a snoozed issue, but keeps counting", async () => {
    await h.pass(session(3), "2026-11-23T05:00:00Z");
    const [first] = h.issues();
    const state = stateOf(first.body);
    const snoozed =
      first.body!.replace(/<!-- log-gardener:state .* -->/s, "") +
      encodeState({ ...state, snooze: { until: "2026-12-01T00:00:00Z" } });
    gh.updateIssue(1, { body: snoozed, state: "closed", state_reason: "completed" });
    await h.pass(session(4, "2026-11-24T05:00:00Z"), "2026-11-24T06:00:00Z");
    const [issue] = h.issues();
    expect(issue.state).toBe("closed");
    expect(gh.repo("octo", "repo").comments).toHaveLength(0);
    expect(stateOf(issue.body).total).toBe(7);
  });

  it("reports an issue whose marker a human damaged instead of filing the pattern again", async () => {
    await h.pass(session(3), "2026-11-23T05:00:00Z");
    const body = h
      .issues()[0]
      .body!.replace(/<!-- log-gardener:state .* -->/s, "<!-- log-gardener:state {broken -->");
    gh.updateIssue(1, { body });
    const result = await h.pass(session(2, "2026-11-23T06:00:00Z"), "2026-11-23T06:30:00Z");
    expect(h.issues()).toHaveLength(1);
    expect(result.plan.damaged).toEqual([
      {
        issue: 1,
        reason: "state marker is not valid JSON",
        fingerprints: [expect.stringMatching(/^[0-9a-f]{12}$/)],
        repaired: false,
      },
    ]);
    expect(result.worklog.notes.join("\n")).toMatch(
      /Issue #1 has the bot's label but its state cannot be used/,
    );
  });

  it("finds an issue filed under an older fingerprint algorithm and keeps the new fingerprint as an alias", async () => {
    await h.pass(session(3), "2026-11-23T05:00:00Z");
    const [first] = h.issues();
    const old = stateOf(first.body);
    const legacy = { ...old, fp: "0123456789ab", fpv: undefined, aliases: [] };
    gh.updateIssue(1, { body: first.body!.replace(/<!-- log-gardener:state .* -->/s, encodeState(legacy)) });
    await h.pass(session(2, "2026-11-23T06:00:00Z"), "2026-11-23T06:30:00Z");
    expect(h.issues()).toHaveLength(1);
    const state = stateOf(h.issues()[0].body);
    expect(state.fp).toBe("0123456789ab");
    expect(state.aliases).toEqual([old.fp]);
    expect(state.total).toBe(5);
  });

  it("updates an issue filed by the previous clustering (bare <*> templates), never filing it again", async () => {
    await h.pass(buffer(3), "2026-11-23T05:00:00Z");
    const [first] = h.issues();
    const current = stateOf(first.body);
    expect(current.template).toBe("HIGH BUFFER UTILIZATION: <num>% - Timeout <id> may be too aggressive");
    // the marker and title as fingerprint version 1 wrote them: template id = hash of the template
    const template = "HIGH BUFFER UTILIZATION: <*> - Timeout <*> may be too aggressive";
    const templateId = fingerprint(template);
    const fp = fingerprint(templateId, current.service, current.logger, current.function);
    const legacy = { ...current, fp, fpv: 1, aliases: [], templateId, template };
    gh.updateIssue(1, {
      title: first.title.replace(current.template, template),
      body: first.body!.replace(/<!-- log-gardener:state .* -->/s, encodeState(legacy)),
    });
    const result = await h.pass(buffer(2, "2026-11-23T06:00:00Z"), "2026-11-23T06:30:00Z");
    expect(h.issues()).toHaveLength(1);
    expect(result.applied?.updated).toEqual([1]);
    const state = stateOf(h.issues()[0].body);
    expect(state.fp).toBe(fp);
    expect(state.templateId).toBe(templateId);
    expect(state.total).toBe(5);
  });

  it("recognises a known pattern whose new messages alone would mine a different template", async () => {
    const queue = (names: string[], start: string) =>
      series(names.length, start, (i) => `Worker pool exhausted on queue ${names[i]} after retries`);
    await h.pass(queue(["reports", "reports", "reports"], "2026-11-23T04:00:00Z"), "2026-11-23T05:00:00Z");
    expect(h.issues()[0].title).toContain("queue reports after retries");
    await h.pass(
      queue(["emails", "billing", "search", "ingest"], "2026-11-23T06:00:00Z"),
      "2026-11-23T07:00:00Z",
    );
    expect(h.issues()).toHaveLength(1);
    expect(stateOf(h.issues()[0].body).total).toBe(7);
  });

  it("waits out a secondary rate limit and loses nothing", async () => {
    gh.failNext({
      method: "POST",
      pathPattern: /\/issues$/,
      status: 403,
      secondaryRateLimit: true,
      retryAfter: 1,
    });
    const result = await h.pass(session(4), "2026-11-23T05:00:00Z");
    expect(result.applied?.failures).toEqual([]);
    expect(h.issues()).toHaveLength(1);
    expect(gh.requests.filter((r) => r.fault)).toHaveLength(1);
  });

  it("refreshes samples on request without counting anything twice", async () => {
    await h.pass(session(3), "2026-11-23T05:00:00Z");
    const older = series(
      3,
      "2026-11-23T03:00:00Z",
      (i) => `Session access failed (middleware not installed?): old-${i}`,
    );
    await h.pass(older, "2026-11-23T06:00:00Z");
    expect(h.issues()[0].body).not.toContain("old-2");
    const refreshed = await gardenRepo({
      gh: h.octokit,
      ...REPO,
      config: testConfig(),
      source: source(older),
      now: new Date("2026-11-23T06:10:00Z"),
      refresh: [1],
    });
    expect(refreshed.applied?.updated).toEqual([1]);
    expect(h.issues()[0].body).toContain("old-2");
    expect(stateOf(h.issues()[0].body).total).toBe(3);
  });

  it("does not file an issue twice when GitHub created it but the answer was lost", async () => {
    gh.failNext({ method: "POST", pathPattern: /\/issues$/, status: 502, afterEffect: true });
    const logs = session(4);
    const first = await h.pass(logs, "2026-11-23T05:00:00Z");
    expect(first.applied?.failures).toHaveLength(1);
    expect(h.issues()).toHaveLength(1);
    await h.pass(logs, "2026-11-23T06:00:00Z");
    expect(h.issues()).toHaveLength(1);
    expect(stateOf(h.issues()[0].body).total).toBe(4);
  });

  it("keeps a snooze a maintainer set while the pass was running", async () => {
    await h.pass(session(3), "2026-11-23T05:00:00Z");
    const hold = gh.hold({ method: "GET", pathPattern: /\/issues\/1$/ });
    const pass = h.pass(session(2, "2026-11-23T06:00:00Z"), "2026-11-23T06:30:00Z");
    await hold.reached;
    const body = h.issues()[0].body!;
    const snoozed = { ...stateOf(body), snooze: { until: "2026-12-01T00:00:00Z" } };
    gh.updateIssue(1, { body: body.replace(/<!-- log-gardener:state .* -->/s, encodeState(snoozed)) });
    hold.release();
    await pass;
    const state = stateOf(h.issues()[0].body);
    expect(state.snooze).toEqual({ until: "2026-12-01T00:00:00Z" });
    expect(state.total).toBe(5);
  });

  it("counts linked patterns against their own cursors: no double count, no lost count", async () => {
    const other = (n: number, start: string) =>
      series(n, start, (i) => `Cache shard rebalanced slowly after ${i * 13 + 5} moves`);
    const [a1, b1] = [session(10), other(5, "2026-11-23T08:00:00Z")];
    await h.pass([...a1, ...b1], "2026-11-23T09:00:00Z");
    // A (cache, counted up to 08:04) adopts B (sessions, counted up to 04:09).
    const a = h.issues().find((i) => i.title.includes("Cache shard"))!;
    const b = h.issues().find((i) => i.title.includes("Session access"))!;
    const sa = stateOf(a.body);
    const sb = stateOf(b.body);
    // What `/garden link` stores: B's fingerprint as an alias of A, with B's own cursor.
    const linked = {
      ...sa,
      aliases: [sb.fp],
      total: sa.total + sb.total,
      linked: [{ fps: [sb.fp], countedUpTo: sb.countedUpTo, recent: sb.recent }],
    };
    gh.updateIssue(a.number, {
      body: a.body!.replace(/<!-- log-gardener:state .* -->/s, encodeState(linked)),
    });
    gh.updateIssue(b.number, { state: "closed", state_reason: "duplicate" });
    const late = session(3, "2026-11-23T06:00:00Z"); // after B's cursor, before A's: must not be lost
    const logs = [
      ...a1,
      ...late,
      ...session(7, "2026-11-23T09:00:00Z"),
      ...b1,
      ...other(3, "2026-11-23T09:30:00Z"),
    ];
    await h.pass(logs, "2026-11-23T10:00:00Z");
    await h.pass(logs, "2026-11-23T10:30:00Z");
    expect(stateOf(gh.repo("octo", "repo").issue(a.number)!.body).total).toBe(28);
    expect(gh.repo("octo", "repo").issue(b.number)!.state).toBe("closed");
    expect(gh.repo("octo", "repo").comments).toHaveLength(0);
  });
});
