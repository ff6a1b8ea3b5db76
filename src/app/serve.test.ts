import { createHmac, generateKeyPairSync } from "node:crypto";
import { createServer } from "node:net";
import { Writable } from "node:stream";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import type { Server } from "probot";
import { fastProbotOctokit, startFakeGitHub, type FakeGitHub } from "../../test/fake-github/index.js";
import { analyze, readSource } from "../pass/analyze.js";
import type { AppHandle } from "./create-app.js";
import { REDACTED } from "./log.js";
import { startServer } from "./serve.js";

const { privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});
const SECRET = "webhook-s3cret-7b1d";
const RUN_SECRET = "run-s3cret-4f09e2";
const COOKIE = "session=c00kie-91aa";
const NOW = new Date("2026-11-23T12:00:00Z");

/** A log destination that keeps every line and tells when one matches. */
function logSink() {
  let text = "";
  const waiting: Array<{ re: RegExp; done: () => void }> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      text += chunk.toString("utf8");
      for (const w of [...waiting]) {
        if (w.re.test(text)) {
          waiting.splice(waiting.indexOf(w), 1);
          w.done();
        }
      }
      cb();
    },
  });
  const until = (re: RegExp) =>
    re.test(text) ? Promise.resolve() : new Promise<void>((done) => waiting.push({ re, done }));
  return { stream, until, text: () => text, lines: () => text.split("\n").filter(Boolean) };
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
  const { port } = probe.address() as { port: number };
  await new Promise((r) => probe.close(r));
  return port;
}

let gh: FakeGitHub;
let server: Server | undefined;
let handle: AppHandle | undefined;

beforeAll(() => {
  process.env.METADATA_SERVER_DETECTION = "none";
});
beforeEach(async () => {
  gh = await startFakeGitHub({
    installations: [{ id: 42, account: "octo", repositories: ["octo/repo"] }],
  });
  gh.setFile(".github/log-gardener.yml", "project: acme-prod\n", "octo/repo");
});
afterEach(async () => {
  await handle?.scheduler.idle();
  await server?.stop();
  server = handle = undefined;
  await gh.close();
});

async function serve(sink: ReturnType<typeof logSink>): Promise<string> {
  const port = await freePort();
  server = await startServer({
    env: {
      APP_ID: "123",
      PRIVATE_KEY: privateKey,
      WEBHOOK_SECRET: SECRET,
      GHE_HOST: gh.host,
      GHE_PROTOCOL: "http",
      HOST: "127.0.0.1",
      PORT: String(port),
      LOG_FORMAT: "json",
      LOG_LEVEL: "trace",
      GARDENER_RUN_SECRET: RUN_SECRET,
      GARDENER_SCHEDULER: "off",
      GARDENER_ALLOWED_PROJECTS: "octo/*=acme-prod",
    },
    destination: sink.stream,
    app: {
      now: () => NOW,
      readLogs: async (_config, { from, to }) => ({
        source: "test",
        entries: [],
        malformed: [],
        complete: true,
        atLeast: 0,
        timeRange: { from, to },
      }),
      garden: async (a) => ({
        worklog: analyze(await readSource(a.source), a.config, a.now).worklog,
        failures: [],
      }),
    },
    Octokit: fastProbotOctokit(),
    onReady: (h) => (handle = h),
  });
  return `http://127.0.0.1:${port}`;
}

describe("secrets out of our own logs", () => {
  it("POST /garden/run: the bearer secret and the cookie reach no log line; the request line says they were redacted", async () => {
    const sink = logSink();
    const base = await serve(sink);
    const res = await fetch(`${base}/garden/run`, {
      method: "POST",
      headers: { authorization: `Bearer ${RUN_SECRET}`, cookie: COOKIE },
    });
    expect(res.ok).toBe(true);
    await handle!.scheduler.idle();
    await sink.until(/"url":"\/garden\/run"/);

    expect(sink.text()).not.toContain(RUN_SECRET);
    expect(sink.text()).not.toContain("c00kie");
    const line = sink
      .lines()
      .map((l) => JSON.parse(l) as { req?: { url?: string; headers?: Record<string, string> } })
      .find((l) => l.req?.url === "/garden/run");
    expect(line?.req?.headers).toMatchObject({ authorization: REDACTED, cookie: REDACTED });
    // the work itself ran and was logged through the same logger
    expect(sink.text()).toMatch(/pass of octo\/repo: ran/);
  });

  it("a webhook's signature header is redacted too, and a refused bearer token is not logged either", async () => {
    const sink = logSink();
    const base = await serve(sink);
    const body = JSON.stringify({ zen: "Keep it logically awesome.", hook_id: 1 });
    const signature = `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`;
    const hook = await fetch(`${base}/api/github/webhooks`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "ping",
        "x-github-delivery": "d-1",
        "x-hub-signature-256": signature,
      },
      body,
    });
    expect(hook.status).toBe(200);
    const wrong = await fetch(`${base}/garden/run`, {
      method: "POST",
      headers: { authorization: "Bearer guessed-wrong-6c3a" },
    });
    expect(wrong.status).toBe(401);
    await sink.until(
      /"url":"\/api\/github\/webhooks"[\s\S]*"url":"\/garden\/run"|"url":"\/garden\/run"[\s\S]*"url":"\/api\/github\/webhooks"/,
    );

    expect(sink.text()).not.toContain(signature.slice("sha256=".length));
    expect(sink.text()).not.toContain("guessed-wrong-6c3a");
    const requests = sink
      .lines()
      .map((l) => JSON.parse(l) as { req?: { headers?: Record<string, string> } })
      .filter((l) => l.req);
    expect(
      requests.map((l) => l.req?.headers?.["x-hub-signature-256"] ?? l.req?.headers?.authorization),
    ).toEqual([REDACTED, REDACTED]);
  });
});
