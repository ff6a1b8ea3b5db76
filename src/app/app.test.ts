import { generateKeyPairSync } from "node:crypto";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import { Probot, ProbotOctokit } from "probot";
import { fastOctokitOptions, startFakeGitHub, type FakeGitHub } from "../../test/fake-github/index.js";
import { issueState } from "../../test/fixtures/issue-state.js";
import { readTicks } from "../issue-body/checklist.js";
import { decodeState, encodeState, type IssueState } from "../issue-body/marker.js";
import { analyze, readSource } from "../pass/analyze.js";
import { withRepoLock } from "../sync/repo-lock.js";
import { createApp, type AppHandle } from "./create-app.js";

const { privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});
const NOW = new Date("2026-11-23T12:00:00Z");
const STEP_NAMES = ["Audit", "Plan tests", "Run tests", "Plan fix", "Fix", "Test-fix loop", "PR and closure"];

const state = issueState;

function issueBody(s: IssueState = state(), ticks: boolean[] = []): string {
  const steps = STEP_NAMES.map(
    (n, i) => `- [${ticks[i] ? "x" : " "}] <!-- log-gardener:step=${i} --> **${i}. ${n}** — do it`,
  );
  return [
    "<!-- log-gardener:begin summary -->\n## Log pattern\n<!-- log-gardener:end summary -->",
    "Notes a human wrote.",
    `<!-- log-gardener:begin checklist -->\n### Remediation\n\n**Status: ACTIVE – not started**\n\n${steps.join("\n")}\n<!-- log-gardener:end checklist -->`,
    encodeState(s),
    "",
  ].join("\n\n");
}

const repository = {
  id: 1,
  name: "repo",
  full_name: "octo/repo",
  owner: { login: "octo", type: "Organization" },
};
let gh: FakeGitHub;
let probot: Probot;
let handle: AppHandle;
let passes: string[];
/** When set, reading the logs throws it (a pass that fails). */
let logsFail: Error | undefined;
/** Issue numbers the fake GitHub's answers mark as pull requests (it has no pull requests itself). */
let pulls: Set<number>;

/** Adds `pull_request` to GET /issues/N answers for the numbers in `pulls`. */
function markPulls(octokit: { hook: { after: (name: string, fn: (...args: never[]) => void) => void } }) {
  octokit.hook.after("request", ((response: { url: string; data: unknown }) => {
    const n = /\/issues\/(\d+)$/.exec(response.url)?.[1];
    if (n && pulls.has(Number(n)) && typeof response.data === "object" && response.data) {
      (response.data as Record<string, unknown>).pull_request = { url: `${response.url}/pull` };
    }
  }) as never);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !cond(); i++) await sleep(5);
  if (!cond()) throw new Error("timed out");
}

beforeAll(() => {
  process.env.METADATA_SERVER_DETECTION = "none";
});

beforeEach(async () => {
  gh = await startFakeGitHub({ installations: [{ id: 42, account: "octo", repositories: ["octo/repo"] }] });
  gh.setPermission("maint", "maintain");
  gh.setPermission("alice", "write");
  gh.setPermission("visitor", "read");
  gh.setFile(".github/log-gardener.yml", "project: acme-prod\n", "octo/repo");
  passes = [];
  logsFail = undefined;
  pulls = new Set();
  probot = new Probot({
    appId: 123,
    privateKey,
    baseUrl: gh.baseUrl,
    logLevel: "fatal",
    // a function, so Probot's installation clients keep these too (plain options are overridden there)
    Octokit: ProbotOctokit.defaults((o: object) => ({ ...o, ...fastOctokitOptions() })).plugin(
      markPulls as never,
    ),
  });
  await probot.load(
    createApp(
      {
        scheduler: false,
        allowList: new Map([["octo/*", ["acme-prod"]]]),
        now: () => NOW,
        readLogs: async (_config, { from, to }) => {
          passes.push("read");
          if (logsFail) throw logsFail;
          return {
            source: "test",
            entries: [],
            malformed: [],
            complete: true,
            atLeast: 0,
            timeRange: { from, to },
          };
        },
        garden: async (a) => ({
          worklog: analyze(await readSource(a.source), a.config, a.now).worklog,
          failures: [],
        }),
      },
      (h) => (handle = h),
    ),
    { cwd: process.cwd(), addHandler: () => {} },
  );
});
afterEach(async () => {
  await handle.scheduler.idle();
  await gh.close();
});

function trackedIssue(body = issueBody(), init: { labels?: string[] } = {}) {
  return gh.addIssue({
    title: "[P2] api: Session access failed",
    body,
    labels: ["log-gardener", "priority:P2", ...(init.labels ?? [])],
  });
}

async function comment(issue: number, body: string, login = "maint", type = "User") {
  const c = gh.addComment(issue, body, { user: login });
  await probot.receive({
    id: `c${c.id}`,
    name: "issue_comment",
    payload: {
      action: "created",
      issue: {
        number: issue,
        title: "t",
        body: "",
        state: "open",
        labels: [],
        user: { login: "log-gardener[bot]" },
      },
      comment: { id: c.id, body, user: { login, type } },
      repository,
      sender: { login, type },
      installation: { id: 42 },
    },
  } as never);
  return c;
}

const repoState = () => gh.repo("octo", "repo");
const issueOf = (n: number) => repoState().issue(n)!;
const labelsOf = (n: number) =>
  issueOf(n)
    .labels.map((l) => l.name)
    .sort();
const replies = (n: number) =>
  repoState()
    .commentsOn(n)
    .filter((c) => c.user.login === "log-gardener[bot]");
const markerOf = (n: number) => {
  const d = decodeState(issueOf(n).body);
  if (!d?.ok) throw new Error("no marker");
  return d.state;
};

describe("/garden commands", () => {
  it("refuses a user without write permission politely and changes nothing", async () => {
    const issue = trackedIssue();
    const c = await comment(issue.number, "/garden ignore", "visitor");
    expect(issueOf(issue.number).state).toBe("open");
    expect(replies(issue.number)).toHaveLength(1);
    expect(replies(issue.number)[0].body).toMatch(/Only people with write, maintain or admin permission/);
    expect(repoState().comment(c.id)!.reactions).toHaveLength(0);
    expect(gh.calls().filter((x) => x.startsWith("PATCH"))).toEqual([]);
  });

  it("ignores comments by bots, the app itself included, without any request", async () => {
    const issue = trackedIssue();
    gh.clearRequests();
    await comment(issue.number, "/garden ignore", "log-gardener[bot]", "Bot");
    await comment(issue.number, "/garden ignore", "other-bot", "Bot");
    expect(gh.calls()).toEqual([]);
    expect(issueOf(issue.number).state).toBe("open");
  });

  it("ignores a command inside a fence or a quote", async () => {
    const issue = trackedIssue();
    gh.clearRequests();
    await comment(issue.number, "Try this:\n```\n/garden ignore\n```\n> /garden ignore");
    expect(gh.calls()).toEqual([]);
  });

  it("ignore closes as not planned with the label; unignore reopens", async () => {
    const issue = trackedIssue();
    const c = await comment(issue.number, "/garden ignore");
    expect(issueOf(issue.number)).toMatchObject({ state: "closed", state_reason: "not_planned" });
    expect(labelsOf(issue.number)).toContain("log-gardener:ignored");
    expect(
      repoState()
        .comment(c.id)!
        .reactions.map((r) => r.content),
    ).toEqual(["eyes"]);
    expect(replies(issue.number)[0].body).toMatch(/ignored: closed as not planned/);

    await comment(issue.number, "/garden unignore", "alice");
    expect(issueOf(issue.number).state).toBe("open");
    expect(labelsOf(issue.number)).not.toContain("log-gardener:ignored");
  });

  it("sets the priority label, snoozes and overrides the impact in one comment, with one write", async () => {
    const issue = trackedIssue();
    gh.clearRequests();
    await comment(issue.number, "/garden priority P0\n/garden snooze 7d\n/garden impact EU checkout is down");
    expect(labelsOf(issue.number)).toEqual(["log-gardener", "priority:P0"]);
    const m = markerOf(issue.number);
    expect(m.snooze).toEqual({ until: "2026-11-30T12:00:00.000Z" });
    expect(m.impact).toBe("EU checkout is down");
    expect(m.priority).toBe("P0");
    expect(m.priorityPinned).toBe(true); // a human set it: rules never raise it
    expect(issueOf(issue.number).title).toBe("[P0] api: Session access failed");
    expect(issueOf(issue.number).body).toContain("Notes a human wrote.");
    expect(gh.calls().filter((x) => x.startsWith("PATCH"))).toHaveLength(1);
    const reply = replies(issue.number)[0].body;
    expect(reply).toMatch(/priority set to P0/);
    expect(reply).toMatch(/snoozed until 2026-11-30/);
  });

  it("priority leaves a title without the bot's [Pn] prefix alone", async () => {
    const issue = gh.addIssue({
      title: "checkout: [P2] in the middle",
      body: issueBody(),
      labels: ["log-gardener"],
    });
    await comment(issue.number, "/garden priority P1");
    expect(issueOf(issue.number).title).toBe("checkout: [P2] in the middle");
    expect(markerOf(issue.number)).toMatchObject({ priority: "P1", priorityPinned: true });
  });

  it("tells a user without write permission once per issue; later commands only get a reaction", async () => {
    const issue = trackedIssue();
    const other = trackedIssue();
    await comment(issue.number, "/garden ignore", "visitor");
    const second = await comment(issue.number, "/garden run", "visitor");
    await comment(issue.number, "/garden ignore", "stranger");
    await comment(other.number, "/garden ignore", "visitor");
    expect(replies(issue.number).map((r) => r.body)).toEqual([
      expect.stringContaining("Thanks for the command, visitor."),
      expect.stringContaining("Thanks for the command, stranger."),
    ]);
    expect(replies(issue.number)[0].body).toContain("<!-- log-gardener:refused=visitor -->");
    expect(
      repoState()
        .comment(second.id)!
        .reactions.map((r) => r.content),
    ).toEqual(["confused"]);
    expect(replies(other.number)).toHaveLength(1);
    expect(passes).toEqual([]);
    expect(issueOf(issue.number).state).toBe("open");
  });

  it("does not trust a refusal marker in a human's comment", async () => {
    const issue = trackedIssue();
    gh.addComment(issue.number, "<!-- log-gardener:refused=visitor -->", { user: "visitor" });
    await comment(issue.number, "/garden ignore", "visitor");
    expect(replies(issue.number)).toHaveLength(1);
  });

  it("waits for a pass holding the repo lock before reading and writing the issue", async () => {
    const issue = trackedIssue();
    let release!: () => void;
    const held = withRepoLock("octo/repo", () => new Promise<void>((r) => (release = r)));
    const pending = comment(issue.number, "/garden ignore");
    await until(() => gh.calls().some((c) => c.includes("/contents/")));
    await sleep(150);
    expect(gh.calls().filter((c) => c.startsWith("PATCH"))).toEqual([]);
    expect(issueOf(issue.number).state).toBe("open");
    release();
    await held;
    await pending;
    expect(issueOf(issue.number).state).toBe("closed");
  });

  it("samples while a pass runs says plainly the samples were not refreshed", async () => {
    const issue = trackedIssue();
    const hold = gh.hold({ method: "GET", pathPattern: /\/issues$/ });
    await comment(issue.number, "/garden run");
    await hold.reached;
    await comment(issue.number, "/garden samples");
    hold.release();
    await handle.scheduler.idle();
    const reply = replies(issue.number)[1].body;
    expect(reply).toMatch(/already running, so the samples were not refreshed/);
    expect(reply).toMatch(/run `\/garden samples` again after it finishes/);
    expect(passes).toEqual(["read"]);
  });

  it("snoozes by date and by occurrences", async () => {
    const issue = trackedIssue();
    await comment(issue.number, "/garden snooze until 2026-12-01");
    expect(markerOf(issue.number).snooze).toEqual({ until: "2026-12-01T00:00:00.000Z" });
    await comment(issue.number, "/garden snooze 100");
    expect(markerOf(issue.number).snooze).toEqual({ occurrences: 100 });
  });

  it("replies with the usage to an unknown command or a bad argument, and to help", async () => {
    const issue = trackedIssue();
    await comment(issue.number, "/garden frobnicate\n/garden priority P9");
    const reply = replies(issue.number)[0].body;
    expect(reply).toMatch(/unknown command/);
    expect(reply).toContain("/garden priority P0..P5");
    expect(reply).toContain("/garden snooze 7d");
    await comment(issue.number, "/garden help");
    expect(replies(issue.number)[1].body).toContain("/garden link #N");
  });

  it("status replies with counts, last seen and the step", async () => {
    const issue = trackedIssue(issueBody(state(), [true, true]));
    await comment(issue.number, "/garden status");
    const reply = replies(issue.number)[0].body;
    expect(reply).toMatch(/19 occurrence\(s\)/);
    expect(reply).toMatch(/last seen 2026-11-23T10:00:00Z/);
    expect(reply).toMatch(/ACTIVE – step 1 complete/);
  });

  it("step N done ticks the box, logs progress and sets the step label; the last step closes", async () => {
    const issue = trackedIssue(issueBody(state(), [true, true, true, true, true, true, false]));
    await comment(issue.number, "/garden step 6 done", "alice");
    const body = issueOf(issue.number).body!;
    expect(body).toMatch(/- \[x\] <!-- log-gardener:step=6 -->/);
    expect(body).toContain("**Status: DONE**");
    expect(body).toMatch(/log-gardener:begin progress[\s\S]*alice ticked step 6 \(PR and closure\)/);
    expect(labelsOf(issue.number)).toContain("step:6");
    expect(issueOf(issue.number)).toMatchObject({ state: "closed", state_reason: "completed" });
  });

  it("refuses pattern commands on an issue the bot did not file", async () => {
    const issue = gh.addIssue({ title: "human issue", body: "hello", user: "maint" });
    await comment(issue.number, "/garden ignore");
    expect(issueOf(issue.number).state).toBe("open");
    expect(replies(issue.number)[0].body).toMatch(/works only on an issue Log Gardener filed/);
  });

  it("link #N adopts a human issue for this fingerprint and closes this one as a duplicate", async () => {
    const human = gh.addIssue({ title: "checkout broken", body: "seen by support", user: "maint" });
    const issue = trackedIssue();
    await comment(issue.number, `/garden link #${human.number}`);
    const adopted = markerOf(human.number);
    expect(adopted.fp).toBe("aaaaaaaaaaaa");
    expect(issueOf(human.number).body).toContain("seen by support");
    expect(labelsOf(human.number)).toEqual(expect.arrayContaining(["log-gardener", "priority:P2"]));
    expect(issueOf(issue.number)).toMatchObject({ state: "closed", state_reason: "duplicate" });
  });

  it("link #N into another tracked issue merges the fingerprints as aliases", async () => {
    const other = trackedIssue(issueBody(state({ fp: "bbbbbbbbbbbb", total: 5 })));
    const issue = trackedIssue(issueBody(state({ aliases: ["cccccccccccc"] })));
    await comment(issue.number, `/garden link #${other.number}`);
    const m = markerOf(other.number);
    expect(m.fp).toBe("bbbbbbbbbbbb");
    expect(m.aliases.sort()).toEqual(["aaaaaaaaaaaa", "cccccccccccc"]);
    expect(m.total).toBe(24);
  });

  it("link #N into a tracked issue keeps this issue's counting cursor for its fingerprints", async () => {
    const otherCursor = {
      countedUpTo: "2026-11-23T11:00:00.000Z",
      recent: [["o1", Date.parse("2026-11-23T10:55:00Z")]],
    };
    const other = trackedIssue(
      issueBody(
        state({
          fp: "bbbbbbbbbbbb",
          countedUpTo: "2026-11-23T11:30:00.000Z",
          // the layout before linked cursors were grouped: still read
          cursors: { dddddddddddd: otherCursor },
        }),
      ),
    );
    const oldCursor = { countedUpTo: "2026-11-20T00:00:00.000Z", recent: [] };
    const issue = trackedIssue(
      issueBody(
        state({
          aliases: ["cccccccccccc", "eeeeeeeeeeee"],
          recent: [["s1", Date.parse("2026-11-23T09:55:00Z")]],
          linked: [{ fps: ["eeeeeeeeeeee"], ...oldCursor }],
        }),
      ),
    );
    await comment(issue.number, `/garden link #${other.number}`);
    const m = markerOf(other.number);
    expect(m.countedUpTo).toBe("2026-11-23T11:30:00.000Z");
    expect(m.cursors).toBeUndefined();
    expect(m.linked).toEqual([
      { fps: ["dddddddddddd"], ...otherCursor },
      { fps: ["eeeeeeeeeeee"], ...oldCursor },
      {
        fps: ["aaaaaaaaaaaa", "cccccccccccc"],
        countedUpTo: "2026-11-23T10:00:00.000Z",
        recent: [["s1", Date.parse("2026-11-23T09:55:00Z")]],
      },
    ]);
  });

  it("link #N refuses a pull request and changes nothing", async () => {
    const pr = gh.addIssue({ title: "Fix checkout", body: "PR body", user: "maint" });
    pulls.add(pr.number);
    const issue = trackedIssue();
    await comment(issue.number, `/garden link #${pr.number}`);
    expect(replies(issue.number)[0].body).toMatch(new RegExp(`#${pr.number} is a pull request`));
    expect(issueOf(pr.number).body).toBe("PR body");
    expect(issueOf(issue.number).state).toBe("open");
    expect(gh.calls().filter((x) => x.startsWith("PATCH"))).toEqual([]);
  });

  it("a write GitHub refuses still gets a reply that says nothing was saved", async () => {
    const issue = trackedIssue();
    gh.failNext({ method: "PATCH", pathPattern: /\/issues\/\d+$/, status: 422, message: "body is too long" });
    await comment(issue.number, "/garden snooze 7d\n/garden status");
    const [reply] = replies(issue.number);
    expect(reply.body).toMatch(/snooze 7d`? — not saved: HTTP 422: body is too long/);
    expect(reply.body).toMatch(/19 occurrence\(s\) in total/);
    expect(markerOf(issue.number).snooze).toBeUndefined();
  });

  it("an issue GitHub cannot read still gets a reply", async () => {
    const issue = trackedIssue();
    gh.failNext({ method: "GET", pathPattern: new RegExp(`/issues/${issue.number}$`), status: 404 });
    await comment(issue.number, "/garden ignore");
    expect(replies(issue.number)[0].body).toMatch(/the issue could not be read: HTTP 404/);
    expect(issueOf(issue.number).state).toBe("open");
  });

  it("link #N whose target write fails replies and leaves this issue open", async () => {
    const other = trackedIssue(issueBody(state({ fp: "bbbbbbbbbbbb", total: 5 })));
    const issue = trackedIssue();
    gh.failNext({ method: "PATCH", pathPattern: new RegExp(`/issues/${other.number}$`), status: 422 });
    await comment(issue.number, `/garden link #${other.number}`);
    expect(replies(issue.number)[0].body).toMatch(/could not be written \(HTTP 422/);
    expect(issueOf(issue.number).state).toBe("open");
    expect(markerOf(other.number).aliases).toEqual([]);
  });

  it("run starts a pass for this repo, and a second run while it runs is told so", async () => {
    const issue = trackedIssue();
    const hold = gh.hold({ method: "GET", pathPattern: /\/issues$/ });
    await comment(issue.number, "/garden run");
    await hold.reached;
    await comment(issue.number, "/garden run");
    hold.release();
    await handle.scheduler.idle();
    // the first reply carries the pass's outcome once it is done; the second started nothing
    expect(replies(issue.number).map((r) => r.body)).toEqual([
      expect.stringMatching(
        /a pass for this repository started[\s\S]*✅ The pass finished; its worklog is on the dashboard #\d+\./,
      ),
      expect.stringMatching(/already running/),
    ]);
    expect(replies(issue.number)[1].body).not.toMatch(/The pass/);
    expect(passes).toEqual(["read"]);
    expect(
      repoState().issues.filter((i) => i.labels.some((l) => l.name === "log-gardener:dashboard")),
    ).toHaveLength(1);
  });
});

describe("/garden run is answered with its outcome", () => {
  it("a pass that fails is told in the same reply, plainly", async () => {
    const issue = trackedIssue();
    logsFail = new Error("Cloud Logging said PERMISSION_DENIED for acme-prod");
    await comment(issue.number, "/garden run");
    await handle.scheduler.idle();
    const all = replies(issue.number);
    expect(all).toHaveLength(1);
    expect(all[0].body).toMatch(/a pass for this repository started/);
    expect(all[0].body).toMatch(/⚠️ The pass failed: Cloud Logging said PERMISSION_DENIED for acme-prod\./);
  });

  it("a repo without a config file: the reply says the pass did not run", async () => {
    const issue = trackedIssue();
    repoState().files.delete(".github/log-gardener.yml");
    await comment(issue.number, "/garden run");
    await handle.scheduler.idle();
    expect(replies(issue.number)[0].body).toMatch(
      /did not run: this repository has no `\.github\/log-gardener\.yml`/,
    );
    expect(passes).toEqual([]);
  });

  it("runs under the repo's pass lock: a run while a scheduled pass of the repo runs starts nothing", async () => {
    const issue = trackedIssue();
    const hold = gh.hold({ method: "GET", pathPattern: /\/issues$/ });
    const scheduled = handle.scheduler.runDue({ discover: true });
    await hold.reached;
    await comment(issue.number, "/garden run");
    hold.release();
    await scheduled;
    await handle.scheduler.idle();
    expect(replies(issue.number).map((r) => r.body)).toEqual([expect.stringMatching(/already running/)]);
    expect(passes).toEqual(["read"]);
  });

  it("a command that fails before any reply (the config cannot be read) still gets a plain reply", async () => {
    const issue = trackedIssue();
    gh.failNext({ method: "GET", pathPattern: /^\/repos\/octo\/repo\/contents/, status: 500, times: 20 });
    await comment(issue.number, "/garden status");
    const all = replies(issue.number);
    expect(all).toHaveLength(1);
    expect(all[0].body).toMatch(/⚠️ The command could not be carried out: HTTP 500: .*Nothing was changed/);
    expect(issueOf(issue.number).state).toBe("open");
  });
});

async function edit(issue: number, from: string, to: string, login = "maint", type = "User") {
  gh.updateIssue(issue, { body: to }, { actor: login });
  await receiveEdit(issue, from, to, login, type);
}

/** The `issues.edited` event of an edit from `from` to `to`, whatever the issue holds by now. */
async function receiveEdit(issue: number, from: string, to: string, login = "maint", type = "User") {
  await probot.receive({
    id: `e${Math.random()}`,
    name: "issues",
    payload: {
      action: "edited",
      issue: {
        number: issue,
        title: "t",
        body: to,
        state: "open",
        labels: [],
        user: { login: "log-gardener[bot]" },
      },
      changes: { body: { from } },
      repository,
      sender: { login, type },
      installation: { id: 42 },
    },
  } as never);
}

describe("remediation checklist", () => {
  it("ticking a box updates status line, step label and progress log, noting out-of-order ticks", async () => {
    const before = issueBody(state(), [true]);
    const issue = trackedIssue(before);
    const ticked = issueBody(state(), [true, false, true]);
    await edit(issue.number, before, ticked);
    const body = issueOf(issue.number).body!;
    expect(body).toContain("**Status: ACTIVE – step 2 complete**");
    expect(body).toMatch(/maint ticked step 2 \(Run tests\) — out of order: step 1 still open/);
    expect(body).toContain("Notes a human wrote.");
    expect(labelsOf(issue.number)).toContain("step:2");
    expect(issueOf(issue.number).state).toBe("open");
  });

  it("ticking the last open box closes the issue as completed", async () => {
    const before = issueBody(state(), [true, true, true, true, true, true, false]);
    const issue = trackedIssue(before);
    await edit(issue.number, before, issueBody(state(), new Array(7).fill(true)));
    expect(issueOf(issue.number)).toMatchObject({ state: "closed", state_reason: "completed" });
    expect(issueOf(issue.number).body).toContain("**Status: DONE**");
  });

  it("puts back box changes by a user without write permission, so no pass reads them as progress", async () => {
    const before = issueBody(state({ rev: 2 }), [true]);
    const issue = trackedIssue(before);
    const ticked = issueBody(state({ rev: 2 }), [false, ...new Array(6).fill(true)]);
    gh.clearRequests();
    await edit(issue.number, before, ticked, "visitor");
    expect(gh.calls().filter((c) => !c.startsWith("GET"))).toEqual([
      `PATCH /repos/octo/repo/issues/${issue.number}`,
    ]);
    const body = issueOf(issue.number).body!;
    expect(readTicks(body)).toEqual([true, false, false, false, false, false, false]);
    expect(body).toContain("**Status: ACTIVE – step 0 complete**");
    expect(body).not.toMatch(/visitor ticked/);
    expect(markerOf(issue.number).rev).toBe(3);
    expect(issueOf(issue.number).state).toBe("open");
    expect(labelsOf(issue.number)).not.toContain("step:6");
  });

  it("updates the checklist only after a pass holding the repo lock is done", async () => {
    const before = issueBody(state(), [true]);
    const issue = trackedIssue(before);
    let release!: () => void;
    const held = withRepoLock("octo/repo", () => new Promise<void>((r) => (release = r)));
    gh.clearRequests();
    const pending = edit(issue.number, before, issueBody(state(), [true, true]));
    await until(() => gh.calls().some((c) => c.includes("/permission")));
    await sleep(150);
    expect(gh.calls().filter((c) => !c.includes("/permission"))).toEqual([]);
    release();
    await held;
    await pending;
    expect(issueOf(issue.number).body).toMatch(/maint ticked step 1/);
  });

  it("ticks a box again that a write of the bot put back just after the human ticked it", async () => {
    const before = issueBody(state({ rev: 4 }));
    const issue = trackedIssue(before);
    const ticked = issueBody(state({ rev: 4 }), [true]);
    // a pass read the body before the tick and wrote it after: the box is open again, the revision moved
    gh.updateIssue(issue.number, { body: issueBody(state({ rev: 5, total: 25 })) });
    await receiveEdit(issue.number, before, ticked);
    const body = issueOf(issue.number).body!;
    expect(body).toContain("- [x] <!-- log-gardener:step=0 -->");
    expect(body).toMatch(/maint ticked step 0/);
    expect(markerOf(issue.number)).toMatchObject({ total: 25, rev: 6 });
    expect(labelsOf(issue.number)).toContain("step:0");
  });

  it("does not tick a box again that a human unticked after the tick", async () => {
    const before = issueBody(state({ rev: 4 }));
    const issue = trackedIssue(before);
    const ticked = issueBody(state({ rev: 4 }), [true]);
    gh.updateIssue(issue.number, { body: before }); // unticked again by a human: same revision
    gh.clearRequests();
    await receiveEdit(issue.number, before, ticked);
    expect(issueOf(issue.number).body).toBe(before);
    expect(gh.writes()).toBe(0);
  });

  it("ignores the bot's own edit and an edit that changes no box, and is idempotent on redelivery", async () => {
    const before = issueBody(state(), [true]);
    const issue = trackedIssue(before);
    const ticked = issueBody(state(), [true, true]);
    gh.clearRequests();
    await edit(issue.number, before, ticked, "log-gardener[bot]", "Bot");
    await edit(issue.number, ticked, `${ticked}\nmore notes`);
    expect(gh.calls()).toEqual([]);

    await edit(issue.number, before, ticked);
    const once = issueOf(issue.number).body!;
    expect(once.match(/maint ticked step 1/g)).toHaveLength(1);
    gh.clearRequests();
    // the same delivery again: the fresh body already has it all
    await probot.receive({
      id: "again",
      name: "issues",
      payload: {
        action: "edited",
        issue: { number: issue.number, title: "t", body: ticked, state: "open", labels: [] },
        changes: { body: { from: before } },
        repository,
        sender: { login: "maint", type: "User" },
        installation: { id: 42 },
      },
    } as never);
    expect(gh.calls().filter((x) => !x.startsWith("GET"))).toEqual([]);
    expect(issueOf(issue.number).body).toBe(once);
  });
});
