/**
 * The app as separate processes, started exactly as `npm start` starts it (`node lib/app/main.js` after
 * `npm run build`), for benchmarks and tests that need several replicas, signals and real exits.
 * Webhooks are signed and delivered as GitHub delivers them.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHmac, generateKeyPairSync, randomUUID } from "node:crypto";
import { createWriteStream, existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The project's root: the nearest folder up with our package.json (this file may run from a bundle). */
function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = path.join(dir, "package.json");
    if (
      existsSync(file) &&
      (JSON.parse(readFileSync(file, "utf8")) as { name?: string }).name === "log-gardener"
    )
      return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error("the log-gardener package.json was not found above this file");
    dir = up;
  }
}
const ROOT = projectRoot();
const ENTRY = "./lib/app/main.js";

/** An RSA key in the PKCS#8 PEM Probot reads from PRIVATE_KEY. */
export function appPrivateKey(): string {
  return generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  }).privateKey;
}

/** `X-Hub-Signature-256` of a raw body: `sha256=` and the HMAC-SHA256 hex of the exact bytes sent. */
export function webhookSignature(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

export interface AppProcessOptions {
  /** the port Probot listens on (127.0.0.1) */
  port: number;
  /** host:port of the fake GitHub (GHE_HOST, over plain http) */
  githubHost: string;
  appId: number;
  privateKey: string;
  webhookSecret: string;
  /** more environment (GARDENER_*, REDIS_URL …); `undefined` removes a variable */
  env?: Record<string, string | undefined>;
  /** every stdout and stderr line is appended here */
  logFile?: string;
  /** called with each stdout line (pino JSON with LOG_FORMAT=json) */
  onLine?: (line: string) => void;
}

export interface AppProcess {
  pid: number;
  baseUrl: string;
  child: ChildProcess;
  /** resolves with the exit code (or the signal's name) */
  exited: Promise<number | string>;
  /** resolves once `GET /health` answers */
  ready(timeoutMs?: number): Promise<void>;
  /** sends the signal to this process only (never to a group) */
  signal(name: NodeJS.Signals): void;
}

/** Starts one app process; the caller stops it with `signal()`. */
export function startAppProcess(opts: AppProcessOptions): AppProcess {
  if (!existsSync(path.join(ROOT, ENTRY)))
    throw new Error(`${ENTRY} is missing: run \`npm run build\` first`);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({
    ...process.env,
    APP_ID: String(opts.appId),
    PRIVATE_KEY: opts.privateKey,
    WEBHOOK_SECRET: opts.webhookSecret,
    HOST: "127.0.0.1",
    PORT: String(opts.port),
    GHE_HOST: opts.githubHost,
    GHE_PROTOCOL: "http",
    LOG_FORMAT: "json",
    // no Google metadata server is probed from a local run
    METADATA_SERVER_DETECTION: "none",
    ...opts.env,
  })) {
    if (v !== undefined) env[k] = v;
  }
  const child = spawn(process.execPath, [ENTRY], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  const log = opts.logFile ? createWriteStream(opts.logFile, { flags: "a" }) : undefined;
  const lines = (stream: NodeJS.ReadableStream, each?: (line: string) => void) => {
    let rest = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop() ?? "";
      for (const line of parts) {
        log?.write(`${line}\n`);
        each?.(line);
      }
    });
  };
  lines(child.stdout!, opts.onLine);
  lines(child.stderr!);
  const exited = new Promise<number | string>((resolve) =>
    child.on("exit", (code, signal) => {
      log?.end();
      resolve(code ?? signal ?? "unknown");
    }),
  );
  const baseUrl = `http://127.0.0.1:${opts.port}`;
  return {
    pid: child.pid!,
    baseUrl,
    child,
    exited,
    async ready(timeoutMs = 60_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        if (child.exitCode !== null) throw new Error(`app process ${child.pid} exited (${child.exitCode})`);
        try {
          if ((await fetch(`${baseUrl}/health`)).status < 500) return;
        } catch {
          // not listening yet
        }
        if (Date.now() > until) throw new Error(`app process ${child.pid} not ready after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    signal(name) {
      if (child.exitCode === null && child.signalCode === null) child.kill(name);
    },
  };
}

/** POSTs one webhook to an app process as GitHub does; returns the HTTP status (0: no answer). */
export async function deliverWebhook(
  baseUrl: string,
  secret: string,
  event: string,
  payload: object,
  timeoutMs = 30_000,
): Promise<number> {
  const body = JSON.stringify(payload);
  try {
    const res = await fetch(`${baseUrl}/api/github/webhooks`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "GitHub-Hookshot/bench",
        "x-github-event": event,
        "x-github-delivery": randomUUID(),
        "x-hub-signature-256": webhookSignature(secret, body),
      },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}
