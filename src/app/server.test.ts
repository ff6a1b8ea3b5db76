import { createHmac, generateKeyPairSync } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import { createNodeMiddleware, Probot, ProbotOctokit } from "probot";
import { fastOctokitOptions, startFakeGitHub, type FakeGitHub } from "../../test/fake-github/index.js";
import { fakeClientOptions, startFakeLogging } from "../../test/fake-logging-server.js";
import { decodeState } from "../issue-body/marker.js";
import { analyze, readSource, type SourceResult } from "../pass/analyze.js";
import { createApp, type AppHandle } from "./create-app.js";
import { decodeDashboardState } from "./dashboard.js";
import { cloudLogSource } from "../pass/cloud-source.js";
import type { AppOptions } from "./options.js";
import { runAllInstallations } from "./run-all.js";
import { Scheduler } from "./scheduler.js";
import type { GitHub } from "../github/client.js";

const { privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});
const SECRET = "webhook-s3cret";
const RUN_SECRET = "run-s3cret";
const NOW = new Date("2026-11-23T12:00:00Z");

let gh: FakeGitHub;
let server: Server | undefined;
let base: string;
let handle: AppHandle;
let reads: string[];

beforeAll(() => {
  process.env.METADATA_SERVER_DETECTION = "none";
});
beforeEach(async () => {
  gh = await startFakeGitHub({
    installations: [{ id: 42, account: "octo", repositories: ["octo/repo", "octo/other"] }],
  });
  gh.setPermission("maint", "maintain");
  gh.setFile(".github/log-gardener.yml", "project: acme-prod\nschedule: hourly\n", "octo/repo");
  reads = [];
});
afterEach(async () => {
  await handle?.scheduler.idle();
  if (server) await new Promise((r) => server!.close(r));
  server = undefined;
  await gh.close();
});

const stubLogs: AppOptions["readLogs"] = async (config, { from, to }): Promise<SourceResult> => {
  reads.push(config.project);
  return { source: "test", entries: [], malformed: [], complete: true, atLeast: 0, timeRange: { from, to } };
};

async function start(opts: AppOptions = {}): Promise<void> {
  const probot = new Probot({
    appId: 123,
    privateKey,
    secret: SECRET,
    baseUrl: gh.baseUrl,
    logLevel: "fatal",
    Octokit: ProbotOctokit.defaults((o: object) => ({ ...o, ...fastOctokitOptions() })),
  });
  const app = createApp(
    {
      scheduler: false,
      runSecret: RUN_SECRET,
      allowList: new Map([["octo/*", ["acme-prod"]]]),
      now: () => NOW,
      readLogs: stubLogs,
      garden: async (a) => ({
        worklog: analyze(await readSource(a.source), a.config, a.now).worklog,
        failures: [],
      }),
      ...opts,
    },
    (h) => (handle = h),
  );
  const middleware = await createNodeMiddleware(app, { probot, webhooksPath: "/api/github/webhooks" });
  server = createServer((req, res) => void middleware(req, res, () => res.writeHead(404).end()));
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

function deliver(event: string, payload: object, secret = SECRET) {
  const body = JSON.stringify(payload);
  const signature = `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
  return fetch(`${base}/api/github/webhooks`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": event,
      "x-github-delivery": `d-${Math.random()}`,
      "x-hub-signature-256": signature,
    },
    body,
  });
}

const run = (token?: string) =>
  fetch(`${base}/garden/run`, { method: "POST", headers: token ? { authorization: `Bearer ${token}` } : {} });
const dashboards = () =>
  gh.repo("octo", "repo").issues.filter((i) => i.labels.some((l) => l.name === "log-gardener:dashboard"));

const repository = {
  id: 1,
  name: "repo",
  full_name: "octo/repo",
  owner: { login: "octo", type: "Organization" },
};
function commentPayload(issue: number, commentId: number, body: string) {
  return {
    action: "created",
    issue: { number: issue, title: "t", body: "", state: "open", labels: [] },
    comment: { id: commentId, body, user: { login: "maint", type: "User" } },
    repository,
    sender: { login: "maint", type: "User" },
    installation: { id: 42 },
  };
}

describe("webhooks over HTTP", () => {
  it("rejects a badly signed webhook and handles a well signed one", async () => {
    await start();
    const issue = gh.addIssue({ title: "human", body: "x", user: "maint" });
    const c = gh.addComment(issue.number, "/garden help", { user: "maint" });
    const payload = commentPayload(issue.number, c.id, "/garden help");
    const bad = await deliver("issue_comment", payload, "wrong-secret");
    expect(bad.status).toBe(400);
    expect(gh.calls()).toEqual([]);
    const good = await deliver("issue_comment", payload);
    expect(good.status).toBe(200);
    const replies = gh
      .repo("octo", "repo")
      .commentsOn(issue.number)
      .filter((x) => x.user.login !== "maint");
    expect(replies).toHaveLength(1);
    expect(replies[0].body).toContain("/garden snooze");
  });

  it("adds and removes repos on installation events without a restart", async () => {
    await start();
    const inst = { id: 42, account: { login: "octo" } };
    await deliver("installation", {
      action: "created",
      installation: inst,
      repositories: [{ full_name: "octo/a" }],
    });
    expect(handle.scheduler.repos()).toEqual(["octo/a"]);
    await deliver("installation_repositories", {
      action: "added",
      installation: inst,
      repositories_added: [{ full_name: "octo/b" }],
      repositories_removed: [],
    });
    await deliver("installation_repositories", {
      action: "removed",
      installation: inst,
      repositories_added: [],
      repositories_removed: [{ full_name: "octo/a" }],
    });
    expect(handle.scheduler.repos()).toEqual(["octo/b"]);
    await deliver("installation", { action: "deleted", installation: inst });
    expect(handle.scheduler.repos()).toEqual([]);
  });
});

describe("HTTP routes", () => {
  it("GET /health answers 200 with the version", async () => {
    await start();
    const res = await fetch(`${base}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok", version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  });

  it("POST /garden/run needs the bearer secret: 401 without or wrong, 503 when none is set", async () => {
    await start();
    expect((await run()).status).toBe(401);
    expect((await run("nope")).status).toBe(401);
    expect((await run(`${RUN_SECRET}x`)).status).toBe(401);
    expect((await fetch(`${base}/garden/run`)).status).toBe(405);
    expect(reads).toEqual([]);
    await new Promise((r) => server!.close(r));
    await start({ runSecret: undefined });
    expect((await run(RUN_SECRET)).status).toBe(503);
    expect(gh.writes()).toBe(0);
  });

  it("POST /garden/run answers 202 with the queued repos; the passes run after it; the time is kept in GitHub", async () => {
    await start();
    const res = await run(RUN_SECRET);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({
      queued: ["octo/other", "octo/repo"],
      running: [],
      notDue: [],
      installations: [],
    });
    await handle.scheduler.idle();
    expect(reads).toEqual(["acme-prod"]);
    expect(dashboards()).toHaveLength(1);
    expect(decodeDashboardState(dashboards()[0].body)?.lastPass).toBe(NOW.toISOString());

    // a restart: a fresh app finds the last pass in the dashboard marker and neither repeats nor duplicates
    await new Promise((r) => server!.close(r));
    await start({ now: () => new Date(NOW.getTime() + 30 * 60_000) });
    expect((await run(RUN_SECRET)).status).toBe(202);
    await handle.scheduler.idle();
    expect(reads).toHaveLength(1);
    // this process knows now: the next POST does not even queue it
    const known = (await (await run(RUN_SECRET)).json()) as {
      queued: string[];
      notDue: Array<{ repo: string }>;
    };
    expect(known.queued).not.toContain("octo/repo");
    expect(known.notDue.map((r) => r.repo)).toContain("octo/repo");
    await new Promise((r) => server!.close(r));
    await start({ now: () => new Date(NOW.getTime() + 61 * 60_000) });
    expect((await run(RUN_SECRET)).status).toBe(202);
    await handle.scheduler.idle();
    expect(reads).toHaveLength(2);
    expect(dashboards()).toHaveLength(1);
  });

  it("POST /garden/run answers before the passes end; a second POST while a repo's pass runs starts no second pass", async () => {
    let entered!: () => void;
    const reached = new Promise<void>((r) => (entered = r));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    await start({
      readLogs: async (config, window) => {
        entered();
        await gate;
        return stubLogs!(config, window);
      },
    });
    // answered while the pass is still held: the request does not wait for it
    const first = await run(RUN_SECRET);
    expect(first.status).toBe(202);
    expect(((await first.json()) as { queued: string[] }).queued).toEqual(["octo/other", "octo/repo"]);
    await reached;
    expect(handle.scheduler.isRunning("octo/repo")).toBe(true);
    const second = (await (await run(RUN_SECRET)).json()) as { queued: string[]; running: string[] };
    expect(second.running).toEqual(["octo/repo"]);
    expect(second.queued).not.toContain("octo/repo");
    release();
    await handle.scheduler.idle();
    expect(reads).toEqual(["acme-prod"]);
    expect(dashboards()).toHaveLength(1);
  });
});

describe("config and allow-list", () => {
  it("reports bad YAML as path:line:col on the dashboard and skips the repo", async () => {
    gh.setFile(".github/log-gardener.yml", "project: acme-prod\nseverity: [oops\n", "octo/repo");
    await start();
    const result = await handle.scheduler.runDue({ discover: true });
    expect(result.find((r) => r.repo === "octo/repo")).toMatchObject({ status: "config-error" });
    expect(reads).toEqual([]);
    expect(dashboards()[0].body).toMatch(/\.github\/log-gardener\.yml:\d+:\d+: /);
  });

  it("reports every schema error as path: message", async () => {
    gh.setFile(".github/log-gardener.yml", "project: acme-prod\nseverity: LOUD\nwindow: soon\n", "octo/repo");
    await start();
    const [, repo] = await handle.scheduler.runDue({ discover: true });
    expect(repo.status).toBe("config-error");
    expect(dashboards()[0].body).toMatch(/- severity: /);
    expect(dashboards()[0].body).toMatch(/- window: expected a duration/);
  });

  it("refuses a project outside the allow-list and reads no log", async () => {
    gh.setFile(".github/log-gardener.yml", "project: other-team-prod\n", "octo/repo");
    await start();
    const [, repo] = await handle.scheduler.runDue({ discover: true });
    expect(repo).toMatchObject({ repo: "octo/repo", status: "refused" });
    expect(reads).toEqual([]);
    expect(dashboards()[0].body).toMatch(
      /may not read the logs of project other-team-prod: it may read acme-prod/,
    );
  });

  it("one repo's failure does not stop the others", async () => {
    gh.setFile(".github/log-gardener.yml", "project: acme-prod\n", "octo/other");
    gh.failNext({ method: "GET", pathPattern: /^\/repos\/octo\/other\/contents/, status: 500, times: 10 });
    await start();
    const result = await handle.scheduler.runDue({ discover: true });
    expect(result.map((r) => [r.repo, r.status])).toEqual([
      ["octo/other", "failed"],
      ["octo/repo", "ran"],
    ]);
  });
});

describe("tenant isolation", () => {
  const tokenOf7 = /^\/app\/installations\/7\/access_tokens$/;
  const statuses = (results: Array<{ repo: string; status: string }>) =>
    results.map((r) => [r.repo, r.status]);

  it("an installation whose token fails (404) is reported; every other installation's repos are passed", async () => {
    gh.addInstallation(7, "broken", ["broken/app"]);
    gh.setFile(".github/log-gardener.yml", "project: acme-prod\n", "broken/app");
    gh.failNext({ method: "POST", pathPattern: tokenOf7, status: 404, times: 1000 });
    await start({
      jitterMs: 0,
      allowList: new Map([
        ["octo/*", ["acme-prod"]],
        ["broken/*", ["acme-prod"]],
      ]),
    });

    const res = await run(RUN_SECRET);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({
      queued: ["octo/other", "octo/repo"],
      running: [],
      notDue: [],
      installations: [{ installation: 7, message: expect.stringMatching(/404/) }],
    });
    await handle.scheduler.idle();
    expect(reads).toEqual(["acme-prod"]);
    expect(dashboards()).toHaveLength(1);

    // the timer's tick too: the broken installation does not stop the schedule of the others
    await new Promise((r) => server!.close(r));
    await start({
      jitterMs: 0,
      allowList: new Map([
        ["octo/*", ["acme-prod"]],
        ["broken/*", ["acme-prod"]],
      ]),
      now: () => new Date(NOW.getTime() + 61 * 60_000),
    });
    await handle.scheduler.tick();
    expect(reads).toEqual(["acme-prod", "acme-prod"]);
    expect(handle.scheduler.discoveryFailures).toEqual([{ installation: 7, message: expect.any(String) }]);
    expect(decodeDashboardState(dashboards()[0].body)?.lastPass).toBe(
      new Date(NOW.getTime() + 61 * 60_000).toISOString(),
    );
    expect(gh.repo("broken", "app").issues).toEqual([]);
  });

  it("a known repo of an installation whose token starts failing fails alone; the listing keeps it", async () => {
    gh.addInstallation(7, "broken", ["broken/app"]);
    gh.setFile(".github/log-gardener.yml", "project: acme-prod\n", "broken/app");
    await start({
      allowList: new Map([
        ["octo/*", ["acme-prod"]],
        ["broken/*", ["acme-prod"]],
      ]),
      concurrency: 1,
    });
    // known from the installation event, before any token of installation 7 was asked for
    await deliver("installation", {
      action: "created",
      installation: { id: 7, account: { login: "broken" } },
      repositories: [{ full_name: "broken/app" }],
    });
    gh.failNext({ method: "POST", pathPattern: tokenOf7, status: 404, times: 1000 });
    const results = await handle.scheduler.runDue({ discover: true });
    expect(statuses(results)).toEqual([
      ["broken/app", "failed"],
      ["octo/other", "not-configured"],
      ["octo/repo", "ran"],
    ]);
    expect(results[0].message).toMatch(/^HTTP 404/);
    expect(handle.scheduler.repos()).toEqual(["broken/app", "octo/other", "octo/repo"]);
    expect(reads).toEqual(["acme-prod"]);
  });

  it("a failed list of installations keeps the known repos running", async () => {
    await start();
    await handle.scheduler.runDue({ discover: true });
    gh.failNext({ method: "GET", pathPattern: /^\/app\/installations$/, status: 404 });
    const results = await handle.scheduler.runDue({ discover: true, force: true });
    expect(handle.scheduler.discoveryFailures).toEqual([{ message: expect.stringMatching(/404/) }]);
    expect(statuses(results)).toEqual([
      ["octo/other", "not-configured"],
      ["octo/repo", "ran"],
    ]);
  });

  it("a pass that throws in the first repo does not stop the next one (one pass at a time)", async () => {
    gh.setFile(".github/log-gardener.yml", "project: acme-prod\n", "octo/other");
    gh.failNext({ method: "GET", pathPattern: /^\/repos\/octo\/repo\/contents/, status: 500, times: 10 });
    await start({ concurrency: 1 });
    const results = await handle.scheduler.runDue({ discover: true });
    expect(statuses(results)).toEqual([
      ["octo/other", "ran"],
      ["octo/repo", "failed"],
    ]);
    expect(reads).toEqual(["acme-prod"]);
  });
});

describe("scheduler", () => {
  it("runs a repo's pass once when two ticks come while it is still running", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    await start({
      jitterMs: 0,
      readLogs: async (config, window) => {
        await gate;
        return stubLogs!(config, window);
      },
    });
    const first = handle.scheduler.runDue({ discover: true });
    while (!handle.scheduler.isRunning("octo/repo")) await new Promise((r) => setTimeout(r, 5));
    const second = await handle.scheduler.runDue();
    expect(second.find((r) => r.repo === "octo/repo")?.status).toBe("busy");
    expect(handle.scheduler.tick()).toBe(handle.scheduler.tick());
    release();
    const done = await first;
    expect(done.find((r) => r.repo === "octo/repo")?.status).toBe("ran");
    await handle.scheduler.idle();
    expect(reads).toEqual(["acme-prod"]);
    expect(dashboards()).toHaveLength(1);
  });

  it("reads Cloud Logging (fake gRPC) and files issues through the issue sync", async () => {
    const logging = await startFakeLogging({
      entries: Array.from({ length: 3 }, (_, i) => ({
        timestamp: new Date(NOW.getTime() - (i + 1) * 60_000).toISOString(),
        severity: "ERROR",
        textPayload: `Database connection refused to 10.0.0.${i}:5432`,
        resource: { type: "cloud_run_revision", labels: { service_name: "api" } },
        insertId: `e${i}`,
      })),
    });
    try {
      await start({
        readLogs: cloudLogSource({ logging: fakeClientOptions(logging.port) }),
        garden: undefined,
      });
      const [, repo] = await handle.scheduler.runDue({ discover: true });
      expect(repo).toMatchObject({ repo: "octo/repo", status: "ran", failures: [] });
      expect(logging.requests[0].resourceNames).toEqual(["projects/acme-prod"]);
      const tracked = gh.repo("octo", "repo").issues.filter((i) => decodeState(i.body)?.ok);
      expect(tracked).toHaveLength(1);
      expect(dashboards()[0].body).toContain("Log Gardener worklog");
    } finally {
      await logging.close();
    }
  });

  /** `log-gardener run --app` with fast clients and stub logs; `baseUrl` left out means "from the env". */
  const runAll = (extra: { baseUrl?: string }) =>
    runAllInstallations({
      appId: 123,
      privateKey,
      logLevel: "fatal",
      Octokit: ProbotOctokit.defaults((o: object) => ({ ...o, ...fastOctokitOptions() })),
      allowList: new Map([["octo/repo", ["acme-prod"]]]),
      now: () => NOW,
      readLogs: stubLogs,
      garden: async (a) => ({
        worklog: analyze(await readSource(a.source), a.config, a.now).worklog,
        failures: [],
      }),
      ...extra,
    });

  it("runAllInstallations (log-gardener run --app) lists installations and runs the due repos", async () => {
    const { repos: results, installations } = await runAll({ baseUrl: gh.baseUrl });
    expect(installations).toEqual([]);
    expect(results.map((r) => [r.repo, r.status])).toEqual([
      ["octo/other", "not-configured"],
      ["octo/repo", "ran"],
    ]);
    expect(gh.calls()).toContain("GET /app/installations");
    expect(dashboards()).toHaveLength(1);
  });

  it("runAllInstallations without a base URL uses GHE_HOST and GHE_PROTOCOL", async () => {
    const saved = { host: process.env.GHE_HOST, protocol: process.env.GHE_PROTOCOL };
    process.env.GHE_HOST = gh.host;
    process.env.GHE_PROTOCOL = "http";
    try {
      const { repos: results } = await runAll({});
      expect(results.find((r) => r.repo === "octo/repo")?.status).toBe("ran");
      expect(gh.requests.length).toBeGreaterThan(0);
      expect(gh.requests.every((r) => r.ghePrefix)).toBe(true);
    } finally {
      for (const [k, v] of [
        ["GHE_HOST", saved.host],
        ["GHE_PROTOCOL", saved.protocol],
      ] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it("checks a repo without a config file again only after an hour, unless POST /garden/run asks", async () => {
    let clock = NOW;
    await start({ now: () => clock });
    const otherCalls = () => gh.calls().filter((c) => c.includes("/repos/octo/other/")).length;
    const statusOf = (results: Array<{ repo: string; status: string }>) =>
      results.find((r) => r.repo === "octo/other")?.status;
    expect(statusOf(await handle.scheduler.runDue({ discover: true }))).toBe("not-configured");
    const checked = otherCalls();
    expect(checked).toBeGreaterThan(0);

    clock = new Date(NOW.getTime() + 30 * 60_000);
    expect(statusOf(await handle.scheduler.runDue())).toBe("not-due");
    expect(otherCalls()).toBe(checked);

    const res = (await (await run(RUN_SECRET)).json()) as { queued: string[] };
    expect(res.queued).toContain("octo/other");
    await handle.scheduler.idle();
    expect(otherCalls()).toBe(2 * checked);

    clock = new Date(NOW.getTime() + 91 * 60_000);
    expect(statusOf(await handle.scheduler.runDue())).toBe("not-configured");
    expect(otherCalls()).toBe(3 * checked);
  });

  it("each due repo waits out its jitter at the same time, not one after another", async () => {
    for (const r of ["octo/a", "octo/b", "octo/c"])
      gh.setFile(".github/log-gardener.yml", "project: acme-prod\n", r);
    const events: string[] = [];
    const scheduler = new Scheduler({
      octokitFor: async () =>
        new ProbotOctokit({ auth: { token: "t" }, baseUrl: gh.baseUrl, ...fastOctokitOptions() }) as GitHub,
      listInstallations: async () => ({
        installations: [{ id: 42, repos: ["octo/a", "octo/b", "octo/c"] }],
        failures: [],
      }),
      pass: {
        allowList: new Map([["octo/*", ["acme-prod"]]]),
        now: () => NOW,
        readLogs: async (config, window) => {
          events.push("pass");
          return stubLogs!(config, window);
        },
        garden: async (a) => ({
          worklog: analyze(await readSource(a.source), a.config, a.now).worklog,
          failures: [],
        }),
      },
      concurrency: 1,
      random: () => {
        events.push("jitter");
        return 1;
      },
    });
    const results = await scheduler.runDue({ discover: true, jitterMs: 300 });
    expect(results.map((r) => r.status)).toEqual(["ran", "ran", "ran"]);
    // every jitter is drawn before any pass starts: the repos wait out their delays side by side
    expect(events).toEqual(["jitter", "jitter", "jitter", "pass", "pass", "pass"]);
  });
});
