/**
 * The app as it runs in production (Probot's HTTP middleware, the real pass and dashboard) against the
 * fake GitHub, with webhooks signed and delivered over HTTP as GitHub delivers them, a clock the test
 * moves, and logs from a list of entries the test controls.
 */
import { createHmac, generateKeyPairSync } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createNodeMiddleware, Probot, ProbotOctokit } from "probot";
import { createApp, type AppHandle } from "../../src/app/create-app.js";
import { decodeDashboardState } from "../../src/issue-body/dashboard-state.js";
import type { LogEntry } from "../../src/entries/log-entry.js";
import {
  fastOctokitOptions,
  startFakeGitHub,
  type FakeGitHub,
  type FakeIssue,
} from "../fake-github/index.js";

const { privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});
const SECRET = "webhook-s3cret";
const repository = {
  id: 1,
  name: "repo",
  full_name: "octo/repo",
  owner: { login: "octo", type: "Organization" },
};

export interface AppHarness {
  gh: FakeGitHub;
  /** The log entries Cloud Logging holds; each pass reads those of its window. */
  entries: LogEntry[];
  setNow(iso: string): void;
  /** One pass of octo/repo now, as the scheduler runs it. */
  pass(): Promise<string>;
  /** Stops the app and starts a new one on the same GitHub (a restart: nothing kept in memory). */
  restart(): Promise<void>;
  /** A comment by `login`, delivered as a signed `issue_comment` webhook; resolves when handled. */
  comment(issue: number, body: string, login?: string): Promise<void>;
  /** `login` edits an issue's body to `body`, delivered as a signed `issues.edited` webhook. */
  edit(issue: number, body: string, login?: string): Promise<void>;
  dashboard(): FakeIssue | undefined;
  dashboardState(): ReturnType<typeof decodeDashboardState>;
  close(): Promise<void>;
}

export async function startApp(config: string): Promise<AppHarness> {
  const gh = await startFakeGitHub({
    installations: [{ id: 42, account: "octo", repositories: ["octo/repo"] }],
  });
  gh.setPermission("maint", "maintain");
  gh.setPermission("visitor", "triage");
  gh.setFile(".github/log-gardener.yml", config, "octo/repo");
  let now = new Date("2026-11-23T00:00:00Z");
  const entries: LogEntry[] = [];
  let server: Server | undefined;
  let handle: AppHandle;
  let base = "";

  async function start(): Promise<void> {
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
        allowList: new Map([["octo/*", ["acme-prod"]]]),
        now: () => now,
        readLogs: async (_config, { from, to }) => {
          const read = entries.filter((e) => e.timestamp >= from && e.timestamp < to);
          return {
            source: "test",
            entries: read,
            malformed: [],
            complete: true,
            atLeast: read.length,
            timeRange: { from, to },
          };
        },
      },
      (h) => (handle = h),
    );
    const middleware = await createNodeMiddleware(app, { probot, webhooksPath: "/api/github/webhooks" });
    server = createServer((req, res) => void middleware(req, res, () => res.writeHead(404).end()));
    await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async function stop(): Promise<void> {
    await handle.scheduler.idle();
    await new Promise((r) => server!.close(r));
  }

  async function deliver(event: string, payload: object): Promise<void> {
    const body = JSON.stringify(payload);
    const res = await fetch(`${base}/api/github/webhooks`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": event,
        "x-github-delivery": `d-${Math.random()}`,
        "x-hub-signature-256": `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`,
      },
      body,
    });
    if (res.status !== 200) throw new Error(`webhook ${event}: HTTP ${res.status} ${await res.text()}`);
  }

  const issuePayload = (i: FakeIssue) => ({
    number: i.number,
    title: i.title,
    body: i.body,
    state: i.state,
    labels: i.labels.map((l) => ({ name: l.name })),
    user: { login: i.user.login, type: i.user.type },
  });
  const dashboard = () =>
    gh.repo("octo", "repo").issues.find((i) => i.labels.some((l) => l.name === "log-gardener:dashboard"));

  await start();
  return {
    gh,
    entries,
    setNow: (iso) => {
      now = new Date(iso);
      gh.setTime(iso);
    },
    async pass() {
      const result = await handle.scheduler.runDue({ discover: true, force: true });
      return result.find((r) => r.repo === "octo/repo")?.status ?? "none";
    },
    async restart() {
      await stop();
      await start();
    },
    async comment(issue, body, login = "maint") {
      const c = gh.addComment(issue, body, { user: login });
      const i = gh.repo("octo", "repo").issue(issue)!;
      await deliver("issue_comment", {
        action: "created",
        issue: issuePayload(i),
        comment: { id: c.id, body, user: { login, type: "User" } },
        repository,
        sender: { login, type: "User" },
        installation: { id: 42 },
      });
      await handle.scheduler.idle();
    },
    async edit(issue, body, login = "maint") {
      const from = gh.repo("octo", "repo").issue(issue)!.body ?? "";
      const i = gh.updateIssue(issue, { body }, { actor: login });
      await deliver("issues", {
        action: "edited",
        issue: issuePayload(i),
        changes: { body: { from } },
        repository,
        sender: { login, type: "User" },
        installation: { id: 42 },
      });
    },
    dashboard,
    dashboardState: () => decodeDashboardState(dashboard()?.body),
    async close() {
      await stop();
      await gh.close();
    },
  };
}
