import { randomUUID } from "node:crypto";
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
export async function dropPrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 500);
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
