import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createServer } from "node:net";
import { describe } from "@jest/globals";
import { Redis } from "ioredis";
import { QUEUE_DEFAULTS, type QueueSettings } from "../../src/queue/settings.js";

/** The Redis the tests use: REDIS_URL, else the machine's on 127.0.0.1:6379. */
export const REDIS_URL = process.env.REDIS_URL || "redis://127.0.0.1:6379";

/** `describe` when jest's global setup found Redis, `describe.skip` otherwise (reported as skipped). */
export const describeRedis = process.env.GARDENER_REDIS_TESTS === "off" ? describe.skip : describe;

/** Queue settings on a key prefix of its own, so tests never see each other's keys; fast timings. */
export function testSettings(extra: Partial<QueueSettings> = {}): QueueSettings {
  return {
    ...QUEUE_DEFAULTS,
    url: REDIS_URL,
    prefix: `lg-test-${randomUUID().slice(0, 8)}`,
    lockMs: 2_000,
    retryMs: 100,
    maintenanceMs: 300,
    ...extra,
  };
}

/** Deletes every key under the prefix (end of a test). */
export function dropPrefix(prefix: string): Promise<void> {
  return dropKeys(`${prefix}:*`);
}

/**
 * Probot's own keys: with REDIS_URL, `probot run` paces its GitHub requests through Bottleneck in Redis
 * under these unprefixed keys (a run under `faketime` writes times 400 days ahead there). `npm start`
 * keeps that pacing in the process; the real-server tests still drop them before and after.
 */
export const PROBOT_PACING_KEYS = "b_octokit-*";

/** Deletes every key matching a SCAN pattern. */
export async function dropKeys(pattern: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 500);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` is true (or fails after `ms`). */
export async function until(
  check: () => boolean | Promise<boolean>,
  ms = 15_000,
  what = "condition",
): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/**
 * A Redis of the test's own (no persistence), to stop and start again. It keeps the real clock: Redis
 * does not run under libfaketime (`faketime -f +400d npm test`), so its preload is left out.
 */
export function startPrivateRedis(port: number): ChildProcess {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => k !== "LD_PRELOAD" && !k.startsWith("FAKETIME")),
  );
  return spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    {
      stdio: "ignore",
      env,
    },
  );
}
