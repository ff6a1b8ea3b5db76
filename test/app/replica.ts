/**
 * App replicas for the Redis mode: several Probot apps in one jest process (each with its own HTTP
 * server, Octokit and queue worker) on one Redis, or the real server (`src/app/main.ts`, bundled from
 * the sources) as a child process that a test can SIGKILL or SIGTERM.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createNodeMiddleware, Probot, ProbotOctokit } from "probot";
import { createApp, type AppHandle } from "../../src/app/create-app.js";
import type { AppOptions } from "../../src/app/options.js";
import type { QueueSettings } from "../../src/queue/settings.js";
import { fastOctokitOptions, type FakeGitHub } from "../fake-github/index.js";
import { appPrivateKey, webhookSignature } from "./processes.js";

export const SECRET = "webhook-s3cret";
export const RUN_SECRET = "run-s3cret";
export const privateKey = appPrivateKey();

export interface Replica {
  base: string;
  handle: AppHandle;
  close(): Promise<void>;
}

/** One app on the queue, served over HTTP on 127.0.0.1 like `npm start` serves it. */
export async function startReplica(
  gh: FakeGitHub,
  queue: QueueSettings,
  app: AppOptions = {},
): Promise<Replica> {
  const probot = new Probot({
    appId: 123,
    privateKey,
    secret: SECRET,
    baseUrl: gh.baseUrl,
    logLevel: "fatal",
    Octokit: ProbotOctokit.defaults((o: object) => ({ ...o, ...fastOctokitOptions() })),
  });
  let handle!: AppHandle;
  const fn = createApp({ runSecret: RUN_SECRET, scheduler: false, queue, ...app }, (h) => (handle = h));
  const middleware = await createNodeMiddleware(fn, { probot, webhooksPath: "/api/github/webhooks" });
  const server: Server = createServer(
    (req, res) => void middleware(req, res, () => res.writeHead(404).end()),
  );
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    handle,
    async close() {
      await handle.queued?.close(2_000);
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/** A webhook signed and POSTed as GitHub delivers it; resolves with the HTTP status. */
export async function deliver(base: string, event: string, payload: object): Promise<number> {
  const body = JSON.stringify(payload);
  const res = await fetch(`${base}/api/github/webhooks`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": event,
      "x-github-delivery": randomUUID(),
      "x-hub-signature-256": webhookSignature(SECRET, body),
    },
    body,
  });
  await res.arrayBuffer();
  return res.status;
}

/** The `issue_comment` webhook of a maintainer's comment on octo/repo (installation 42). */
export function commentEvent(issueNumber: number, commentId: number, body: string): object {
  return {
    action: "created",
    issue: { number: issueNumber, title: "human", body: "x", state: "open", labels: [] },
    comment: { id: commentId, body, user: { login: "maint", type: "User" } },
    repository: {
      id: 1,
      name: "repo",
      full_name: "octo/repo",
      owner: { login: "octo", type: "Organization" },
    },
    sender: { login: "maint", type: "User" },
    installation: { id: 42 },
  };
}

export const runDue = (base: string) =>
  fetch(`${base}/garden/run`, { method: "POST", headers: { authorization: `Bearer ${RUN_SECRET}` } });

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
let bundled: Promise<string> | undefined;

/**
 * The server entry (`src/app/main.ts`, what `npm start` runs once built) bundled from the sources with
 * esbuild, dependencies left in node_modules; written to gardener-out/ (one folder below the root, so
 * the templates resolve as from lib/).
 */
export function serverBundle(): Promise<string> {
  bundled ??= (async () => {
    const { build } = await import("esbuild");
    mkdirSync(path.join(ROOT, "gardener-out"), { recursive: true });
    const outfile = path.join(ROOT, "gardener-out", "replica-main.mjs");
    await build({
      absWorkingDir: ROOT,
      entryPoints: ["src/app/main.ts"],
      outfile,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      packages: "external",
      logLevel: "error",
    });
    return outfile;
  })();
  return bundled;
}

export interface ChildReplica {
  base: string;
  child: ChildProcess;
  exited: Promise<number | string>;
  /** Its stdout and stderr so far (pino JSON lines). */
  output(): string;
}

/** The real server in a child process, configured from the environment like production. */
export async function startChildReplica(env: Record<string, string>): Promise<ChildReplica> {
  const entry = await serverBundle();
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  let out = "";
  const child = spawn(process.execPath, [entry], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      APP_ID: "123",
      PRIVATE_KEY: privateKey,
      WEBHOOK_SECRET: SECRET,
      GARDENER_RUN_SECRET: RUN_SECRET,
      HOST: "127.0.0.1",
      PORT: String(port),
      LOG_FORMAT: "json",
      LOG_LEVEL: "info",
      METADATA_SERVER_DETECTION: "none",
      // under `faketime` the replica keeps the test's clock
      ...Object.fromEntries(
        Object.entries(process.env).filter(([k]) => k === "LD_PRELOAD" || k.startsWith("FAKETIME")),
      ),
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.on("exit", (code, signal) => resolve(code ?? signal ?? "unknown")),
  );
  const base = `http://127.0.0.1:${port}`;
  const end = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`replica exited (${child.exitCode}):\n${out}`);
    try {
      if ((await fetch(`${base}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > end) throw new Error(`replica not ready after 30 s:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { base, child, exited, output: () => out };
}
