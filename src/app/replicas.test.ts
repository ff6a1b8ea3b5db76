import { afterEach, beforeEach, expect, it } from "@jest/globals";
import { startFakeGitHub, type FakeGitHub } from "../../test/fake-github/index.js";
import { fakeClientOptions, startFakeLogging, type FakeLogging } from "../../test/fake-logging-server.js";
import { commentEvent, deliver, runDue, startReplica, type Replica } from "../../test/app/replica.js";
import { describeRedis, dropPrefix, testSettings, until } from "../../test/redis/redis.js";
import { decodeDashboardState } from "../issue-body/dashboard-state.js";
import { decodeState } from "../issue-body/marker.js";
import { cloudLogSource } from "../pass/cloud-source.js";
import type { QueueSettings } from "../queue/settings.js";
import { syncGarden, type GardenFn } from "./garden.js";
import type { AppOptions } from "./options.js";

let gh: FakeGitHub;
let logging: FakeLogging;
let settings: QueueSettings;
let replicas: Replica[] = [];
/** The pass clock of every replica (real time unless a test moves it). */
let offsetMs = 0;
/** Spans of the issue syncs, to check that no two of one repo overlap. */
let spans: Array<{ what: string; start: number; end: number }> = [];

const REPOS = ["octo/repo", "octo/other"];
const PROJECT: Record<string, string> = { "octo/repo": "acme-prod", "octo/other": "acme-other" };

beforeEach(async () => {
  process.env.METADATA_SERVER_DETECTION = "none";
  offsetMs = 0;
  spans = [];
  gh = await startFakeGitHub({ installations: [{ id: 42, account: "octo", repositories: REPOS }] });
  gh.setPermission("maint", "maintain");
  for (const r of REPOS)
    gh.setFile(".github/log-gardener.yml", `project: ${PROJECT[r]}\nschedule: hourly\n`, r);
  const now = Date.now();
  logging = await startFakeLogging({
    entries: ["acme-prod", "acme-other"].flatMap((project) =>
      Array.from({ length: 3 }, (_, i) => ({
        timestamp: new Date(now - (i + 1) * 60_000).toISOString(),
        severity: "ERROR",
        textPayload: `Database connection refused to 10.0.0.${i}:5432`,
        resource: { type: "cloud_run_revision", labels: { service_name: "api", project_id: project } },
        logName: `projects/${project}/logs/run`,
        insertId: `${project}-${i}`,
      })),
    ),
  });
  settings = testSettings({ concurrency: 4 });
});

afterEach(async () => {
  await Promise.all(replicas.map((r) => r.close()));
  replicas = [];
  await logging.close();
  await gh.close();
  await dropPrefix(settings.prefix);
});

const timedGarden: GardenFn = async (args) => {
  const start = performance.now();
  try {
    return await syncGarden(args);
  } finally {
    spans.push({ what: `pass ${args.owner}/${args.repo}`, start, end: performance.now() });
  }
};

function appOptions(extra: AppOptions = {}): AppOptions {
  return {
    allowList: new Map([
      ...REPOS.map((r): [string, string[]] => [r, [PROJECT[r]]]),
      ["octo/new", ["acme-prod"]],
    ]),
    readLogs: cloudLogSource({ logging: fakeClientOptions(logging.port) }),
    garden: timedGarden,
    now: () => new Date(Date.now() + offsetMs),
    ...extra,
  };
}

async function start(n: number, extra: AppOptions = {}): Promise<Replica[]> {
  const started = await Promise.all(
    Array.from({ length: n }, () => startReplica(gh, settings, appOptions(extra))),
  );
  replicas.push(...started);
  return started;
}

const reads = (project: string) =>
  logging.requests.filter((r) => r.resourceNames.includes(`projects/${project}`)).length;
const dashboards = (full: string) => {
  const [owner, name] = full.split("/");
  return gh.repo(owner, name).issues.filter((i) => i.labels.some((l) => l.name === "log-gardener:dashboard"));
};
const tracked = (full: string) => {
  const [owner, name] = full.split("/");
  return gh.repo(owner, name).issues.filter((i) => decodeState(i.body)?.ok);
};

/** Waits until no request reached the fakes for `quietMs` (the replicas have nothing left to do). */
async function settle(quietMs = 1_500): Promise<void> {
  let last = -1;
  let since = Date.now();
  await until(
    () => {
      const seen = gh.requests.length + logging.requests.length;
      if (seen !== last) {
        last = seen;
        since = Date.now();
      }
      return Date.now() - since >= quietMs;
    },
    30_000,
    "the replicas to settle",
  );
}

describeRedis("replicas on one Redis (REDIS_URL)", () => {
  it("runs a due pass once, whatever the number of replicas, triggers and Redis flushes", async () => {
    const [a, b] = await start(2);
    // the discovery (on start) plus POST /garden/run to both replicas at once: three asks per repo
    const [ra, rb] = await Promise.all([runDue(a.base), runDue(b.base)]);
    expect([ra.status, rb.status]).toEqual([202, 202]);
    await until(() => REPOS.every((r) => dashboards(r).length === 1), 20_000, "both dashboards");
    await settle();
    for (const r of REPOS) {
      expect(reads(PROJECT[r])).toBe(1);
      expect(dashboards(r)).toHaveLength(1);
      expect(tracked(r)).toHaveLength(1);
    }
    const lastPass = decodeDashboardState(dashboards("octo/repo")[0].body)?.lastPass;

    // Redis flushed: the replicas create the schedulers again, due at once; the marker says not due
    await dropPrefix(settings.prefix);
    await until(
      async () => (await a.handle.queued!.schedules.list()).length === 2,
      20_000,
      "schedulers again",
    );
    await settle();
    for (const r of REPOS) expect(reads(PROJECT[r])).toBe(1);
    expect(decodeDashboardState(dashboards("octo/repo")[0].body)?.lastPass).toBe(lastPass);

    // an hour later each repo is due once more: one pass each, on whichever replica
    offsetMs = 61 * 60_000;
    await Promise.all([runDue(a.base), runDue(b.base), runDue(a.base)]);
    await until(() => REPOS.every((r) => reads(PROJECT[r]) === 2), 20_000, "the second passes");
    await settle();
    for (const r of REPOS) {
      expect(reads(PROJECT[r])).toBe(2);
      expect(tracked(r)).toHaveLength(1);
    }
    // and each repo's scheduler now waits for the next due time of its dashboard's last pass (hourly)
    const last = decodeDashboardState(dashboards("octo/repo")[0].body)?.lastPass;
    expect((await b.handle.queued!.schedules.get("octo/repo"))?.next).toBe(Date.parse(last!) + 3_600_000);
  }, 60_000);

  it("runs a burst of /garden webhooks for one repo, split across two replicas, one at a time in arrival order", async () => {
    const [a, b] = await start(2);
    await until(() => REPOS.every((r) => dashboards(r).length === 1), 20_000, "the first passes");
    await settle(500);
    spans = [];
    gh.slowDown({ ms: 15, pathPattern: /^\/repos\/octo\/repo\// });
    const issue = gh.addIssue({ title: "human", body: "x", user: "maint", repo: "octo/repo" });
    const ids: number[] = [];
    for (let i = 0; i < 12; i++) {
      const body = i === 5 ? "/garden run" : "/garden help";
      const c = gh.addComment(issue.number, body, { user: "maint", repo: "octo/repo" });
      ids.push(c.id);
      const status = await deliver(
        i % 2 ? a.base : b.base,
        "issue_comment",
        commentEvent(issue.number, c.id, body),
      );
      expect(status).toBe(200);
    }
    const replies = () =>
      gh
        .repo("octo", "repo")
        .commentsOn(issue.number)
        .filter((c) => c.user.login !== "maint");
    await until(() => replies().length === 12 && spans.length === 1, 30_000, "12 replies and the pass");
    await settle(500);
    // the worker that ran the pass added its outcome to the reply of the command that asked for it
    const asked = replies().filter((r) => /a pass for this repository started/.test(r.body));
    expect(asked.map((r) => r.body)).toEqual([
      expect.stringMatching(/✅ The pass finished; its worklog is on/),
    ]);

    // a command's span: from its 👀 to its reply (the fake's request log, in arrival order)
    const log = gh.requests.filter((r) => r.path.startsWith("/repos/octo/repo/"));
    const at = (pred: (r: (typeof log)[number]) => boolean) => log.filter(pred).map((r) => r.at);
    const eyes = ids.map(
      (id) => at((r) => r.method === "POST" && r.path.endsWith(`/comments/${id}/reactions`))[0],
    );
    const answers = at(
      (r) => r.method === "POST" && r.path === `/repos/octo/repo/issues/${issue.number}/comments`,
    );
    expect(answers).toHaveLength(12);
    const all = [
      ...ids.map((id, i) => ({ what: `command ${id}`, start: eyes[i], end: answers[i] })),
      ...spans.map((s) => ({
        what: s.what,
        start: performance.timeOrigin + s.start,
        end: performance.timeOrigin + s.end,
      })),
    ].sort((x, y) => x.start - y.start);
    for (let i = 1; i < all.length; i++) {
      expect({ next: all[i].what, startsAfterPrevious: all[i].start >= all[i - 1].end }).toEqual({
        next: all[i].what,
        startsAfterPrevious: true,
      });
    }
    // arrival order: the commands in the order delivered; the pass that `/garden run` asked for joins
    // the repo's queue when that command runs, so after it and after the commands already waiting
    const order = all.map((s) => s.what);
    expect(order.filter((w) => w.startsWith("command"))).toEqual(ids.map((id) => `command ${id}`));
    expect(order.indexOf("pass octo/repo")).toBeGreaterThan(order.indexOf(`command ${ids[5]}`));
  }, 60_000);

  it("keeps one scheduler per installed repo through installation events taken by any replica", async () => {
    const [a, b] = await start(2);
    const schedulers = async () => (await a.handle.queued!.schedules.list()).map((s) => s.repo).sort();
    await until(async () => (await schedulers()).length === 2, 10_000, "the discovered repos");
    const installation = { id: 42, account: { login: "octo" } };
    gh.setFile(".github/log-gardener.yml", "project: acme-prod\nschedule: every 30m\n", "octo/new");
    const added = await deliver(a.base, "installation_repositories", {
      action: "added",
      installation,
      repositories_added: [{ full_name: "octo/new" }],
      repositories_removed: [],
    });
    expect(added).toBe(200);
    await until(async () => (await schedulers()).includes("octo/new"), 10_000, "octo/new's scheduler");
    // its first pass runs at once and sets the scheduler to the repo's own schedule
    await until(
      async () => (await b.handle.queued!.schedules.get("octo/new"))?.every === 1_800_000,
      20_000,
      "30m",
    );
    const removed = await deliver(b.base, "installation_repositories", {
      action: "removed",
      installation,
      repositories_added: [],
      repositories_removed: [{ full_name: "octo/other" }],
    });
    expect(removed).toBe(200);
    await until(async () => !(await schedulers()).includes("octo/other"), 10_000, "octo/other removed");
    expect(await schedulers()).toEqual(["octo/new", "octo/repo"]);
    await deliver(a.base, "installation", { action: "deleted", installation });
    await until(async () => (await schedulers()).length === 0, 10_000, "every scheduler removed");
  }, 60_000);

  it("GET /health says ok with Redis", async () => {
    const [a] = await start(1);
    const health = async () => (await fetch(`${a.base}/health`)).json();
    await until(async () => ((await health()) as { status: string }).status === "ok", 5_000, "ok");
    expect(await health()).toEqual({ status: "ok", version: expect.any(String) });
  });
});
