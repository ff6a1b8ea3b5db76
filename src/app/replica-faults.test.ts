import type { ChildProcess } from "node:child_process";
import * as grpc from "@grpc/grpc-js";
import { afterEach, beforeEach, expect, it } from "@jest/globals";
import { startFakeGitHub, type FakeGitHub } from "../../test/fake-github/index.js";
import { fakeClientOptions, startFakeLogging, type FakeLogging } from "../../test/fake-logging-server.js";
import {
  commentEvent,
  deliver,
  startChildReplica,
  startReplica,
  type ChildReplica,
  type Replica,
} from "../../test/app/replica.js";
import {
  describeRedis,
  dropKeys,
  dropPrefix,
  freePort,
  PROBOT_PACING_KEYS,
  startPrivateRedis,
  testSettings,
  until,
} from "../../test/redis/redis.js";
import { decodeDashboardState } from "../issue-body/dashboard-state.js";
import { decodeState } from "../issue-body/marker.js";
import { cloudLogSource } from "../pass/cloud-source.js";
import type { QueueSettings } from "../queue/settings.js";
import type { AppOptions } from "./options.js";

let gh: FakeGitHub;
let logging: FakeLogging;
let settings: QueueSettings;
let replicas: Replica[] = [];
let children: ChildReplica[] = [];

beforeEach(async () => {
  process.env.METADATA_SERVER_DETECTION = "none";
  gh = await startFakeGitHub({ installations: [{ id: 42, account: "octo", repositories: ["octo/repo"] }] });
  gh.setPermission("maint", "maintain");
  gh.setFile(".github/log-gardener.yml", "project: acme-prod\nschedule: hourly\n", "octo/repo");
  const now = Date.now();
  logging = await startFakeLogging({
    entries: Array.from({ length: 3 }, (_, i) => ({
      timestamp: new Date(now - (i + 1) * 60_000).toISOString(),
      severity: "ERROR",
      textPayload: `Database connection refused to 10.0.0.${i}:5432`,
      resource: { type: "cloud_run_revision", labels: { service_name: "api" } },
      insertId: `e${i}`,
    })),
  });
  settings = testSettings();
});

afterEach(async () => {
  for (const c of children) c.child.kill("SIGKILL");
  await Promise.all(children.map((c) => c.exited));
  await Promise.all(replicas.map((r) => r.close()));
  children = [];
  replicas = [];
  await logging.close();
  await gh.close();
  await dropPrefix(settings.prefix);
  await dropKeys(PROBOT_PACING_KEYS);
});

const appOptions = (extra: AppOptions = {}): AppOptions => ({
  allowList: new Map([["octo/repo", ["acme-prod"]]]),
  readLogs: cloudLogSource({ logging: fakeClientOptions(logging.port) }),
  ...extra,
});
async function inProcess(extra: AppOptions = {}, queue: QueueSettings = settings): Promise<Replica> {
  const r = await startReplica(gh, queue, appOptions(extra));
  replicas.push(r);
  return r;
}
/** The real server (`src/app/main.ts`) in its own process, configured only from the environment. */
async function child(env: Record<string, string> = {}): Promise<ChildReplica> {
  await dropKeys(PROBOT_PACING_KEYS);
  const c = await startChildReplica({
    GHE_HOST: gh.host,
    GHE_PROTOCOL: "http",
    GARDENER_LOGGING_ENDPOINT: `127.0.0.1:${logging.port}`,
    GARDENER_ALLOWED_PROJECTS: "octo/repo=acme-prod",
    REDIS_URL: settings.url,
    GARDENER_QUEUE_PREFIX: settings.prefix,
    GARDENER_LOCK_TIMEOUT: "2s",
    ...env,
  });
  children.push(c);
  return c;
}

const dashboards = () =>
  gh.repo("octo", "repo").issues.filter((i) => i.labels.some((l) => l.name === "log-gardener:dashboard"));
const tracked = () => gh.repo("octo", "repo").issues.filter((i) => decodeState(i.body)?.ok);
const reads = () => logging.requests.length;
const createHold = () => gh.hold({ method: "POST", pathPattern: /^\/repos\/octo\/repo\/issues$/ });

describeRedis("replicas that die, stop or lose Redis", () => {
  it("re-runs the pass of a replica SIGKILLed mid-pass on another replica: no duplicate issue, no double count", async () => {
    const held = createHold();
    const a = await child();
    // A's pass has read the logs and is filing the issue when it is killed
    await held.reached;
    expect(reads()).toBe(1);
    a.child.kill("SIGKILL");
    expect(await a.exited).toBe("SIGKILL");
    // GitHub had the request: the issue exists, and A never wrote its dashboard
    held.release();
    await until(() => tracked().length === 1, 5_000, "the held create to land");
    expect(dashboards()).toHaveLength(0);

    const started = Date.now();
    await inProcess();
    await until(() => dashboards().length === 1, 30_000, "the pass to be recovered");
    const recoveredMs = Date.now() - started;
    await new Promise((r) => setTimeout(r, 1_000));
    expect(reads()).toBe(2);
    const issues = tracked();
    expect(issues).toHaveLength(1);
    expect(issues[0].state).toBe("open");
    const state = decodeState(issues[0].body);
    expect(state?.ok && state.state.total).toBe(3);
    expect(decodeDashboardState(dashboards()[0].body)?.lastResult).toBe("done");
    // recovered once the dead replica's lock ran out (2 s here), not at once and not much later
    expect(recoveredMs).toBeLessThan(15_000);
  }, 90_000);

  it("on SIGTERM finishes the current pass, then exits; nothing is left for another replica", async () => {
    const held = createHold();
    const a = await child();
    await held.reached;
    a.child.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 300));
    expect(a.child.exitCode).toBeNull(); // still finishing
    held.release();
    expect(await a.exited).toBe(0);
    expect(dashboards()).toHaveLength(1);
    expect(tracked()).toHaveLength(1);
    expect(a.output()).toMatch(/SIGTERM: finishing the current jobs, then exiting/);
    // a replica started afterwards finds the pass done: it reads no log again
    await inProcess();
    await new Promise((r) => setTimeout(r, 2_000));
    expect(reads()).toBe(1);
  }, 90_000);

  it("retries a pass that fails on a Google error with backoff, then reports it on the dashboard", async () => {
    // INTERNAL is not retried by the reader itself: each try of the pass fails at once
    logging.failNext(grpc.status.INTERNAL, 2);
    await inProcess();
    await until(() => dashboards().length === 1, 20_000, "the pass");
    expect(reads()).toBe(3);
    expect(decodeDashboardState(dashboards()[0].body)?.lastResult).toBe("done");
    expect(tracked()).toHaveLength(1);
  }, 60_000);

  it("reports a pass still failing after its last try on the dashboard, as one process does", async () => {
    logging.failNext(grpc.status.INTERNAL, 50);
    await inProcess({}, { ...settings, attempts: 3 });
    await until(() => dashboards().length === 1, 20_000, "the failure on the dashboard");
    expect(reads()).toBe(3);
    expect(decodeDashboardState(dashboards()[0].body)?.lastResult).toMatch(/^failed/);
    expect(dashboards()[0].body).toMatch(/INTERNAL/);
  }, 60_000);
});

describeRedis("a replica while Redis is away", () => {
  let redis: ChildProcess | undefined;
  afterEach(() => void redis?.kill("SIGKILL"));

  it("acknowledges webhooks, says degraded on /health, and answers the command once Redis is back", async () => {
    const port = await freePort();
    redis = startPrivateRedis(port);
    const queue = { ...settings, url: `redis://127.0.0.1:${port}` };
    const a = await inProcess({}, queue);
    await until(() => dashboards().length === 1, 20_000, "the first pass");
    const health = async () =>
      (await (await fetch(`${a.base}/health`)).json()) as { status: string; reason?: string };
    await until(async () => (await health()).status === "ok", 5_000, "ok");

    redis.kill("SIGKILL");
    await until(async () => (await health()).status === "degraded", 10_000, "degraded");
    const issue = gh.addIssue({ title: "human", body: "x", user: "maint", repo: "octo/repo" });
    const c = gh.addComment(issue.number, "/garden help", { user: "maint", repo: "octo/repo" });
    const status = await deliver(a.base, "issue_comment", commentEvent(issue.number, c.id, "/garden help"));
    expect(status).toBe(200);
    const down = await health();
    expect(down.status).toBe("degraded");
    expect(down.reason).toMatch(
      /^Redis unavailable \(.+\); 1 job\(s\) buffered in this replica until Redis is back$/,
    );
    const replies = () =>
      gh
        .repo("octo", "repo")
        .commentsOn(issue.number)
        .filter((x) => x.user.login !== "maint");
    expect(replies()).toHaveLength(0);

    // Redis is back, empty (no persistence): the command is answered once, no pass is repeated
    redis = startPrivateRedis(port);
    await until(() => replies().length === 1, 30_000, "the reply");
    await until(async () => (await health()).status === "ok", 10_000, "ok again");
    await new Promise((r) => setTimeout(r, 1_500));
    expect(replies()).toHaveLength(1);
    expect(reads()).toBe(1);
    expect(dashboards()).toHaveLength(1);
    await a.close();
  }, 90_000);
});
