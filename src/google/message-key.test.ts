import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { readFileSync } from "node:fs";
import { DuckDBInstance, VARCHAR, LIST, listValue, type DuckDBConnection } from "@duckdb/node-api";
import { keyTokens, maskedKey } from "../cluster/mask.js";
import { normalizeEntry } from "../entries/normalize.js";
import { MACROS, toDuckDb } from "../../test/fake-bigquery/dialect.js";
import { KEY_CHARS, messageKey } from "./message-key.js";

// Messages of every shape the key must handle: the bundled sample logs, plus ids, URLs, JSON keys and
// exception names with digits, stack traces, long and non-ASCII text.
function corpus(): string[] {
  const sample = readFileSync(new URL("../../examples/staging-backend.jsonl", import.meta.url), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => normalizeEntry(JSON.parse(l)).message);
  const made: string[] = [];
  for (let i = 0; i < 40; i++) {
    const n = (i * 7919) % 100_000;
    made.push(
      `Session ${n} access failed for user u${n} after ${i % 7}ms`,
      `GET http://api${i % 3}.internal:80${i % 10}/v${i % 2}/items/${n}?page${i % 2}=${n}&q=x`,
      `s3://bucket-${i % 2}/key${n} not found`,
      `{"user${i % 2}": ${n}, "status": "timeout ${n}"}`,
      `Http${i % 3}Exception: pool ${n} exhausted\n  at com.acme.Pool$${i % 2}.take(Pool.java:${n})\n  at com.acme.Api.call(Api.java:12)`,
      `Traceback (most recent call last):\n  File "/app/x${i % 2}.py", line ${n}, in run\n    go()\nValueError: bad ${n}`,
      `job_id=${n} took ${n / 10} s on node-${i % 4} (${["RUNNING", "FAILED"][i % 2]})`,
      `Überweisung ${n} fehlgeschlagen — Konto ${n % 97} gesperrt ✓ 🙂${n}`,
      `${"x".repeat(KEY_CHARS - 3)} ${n} tail ${i}`,
      `token 'abc${n}' rejected at Jan ${1 + (i % 28)}, 2026 ${i % 24}:00`,
      `\u00a0\u2003 ${n}\tspaced\v${i}`,
    );
  }
  return [...sample, ...made];
}

let db: DuckDBConnection;
let instance: DuckDBInstance;
beforeAll(async () => {
  instance = await DuckDBInstance.create(":memory:");
  db = await instance.connect();
  for (const macro of MACROS) await db.run(macro);
});
afterAll(() => {
  db.closeSync();
  instance.closeSync();
});

describe("the coarse message key", () => {
  const key = messageKey();

  it("is the same computed by the GoogleSQL expression (run on DuckDB) and in JavaScript", async () => {
    const messages = corpus();
    const sql = toDuckDb(`SELECT m, ${key.sql("m")} AS k FROM (SELECT unnest(@messages) AS m)`);
    const rows = (
      await db.runAndReadAll(sql, { messages: listValue(messages) }, { messages: LIST(VARCHAR) })
    ).getRowObjectsJson();
    expect(rows).toHaveLength(messages.length);
    const mismatches = rows.filter((r) => r.k !== key.js(String(r.m)));
    expect(mismatches).toEqual([]);
    // It does group: far fewer keys than messages.
    expect(new Set(rows.map((r) => r.k)).size).toBeLessThan(messages.length / 2);
  });

  it("never puts together messages the miner tells apart", () => {
    const byKey = new Map<string, { tokens: string; message: string }>();
    const clashes: string[] = [];
    for (const message of corpus()) {
      const tokens = keyTokens(maskedKey(message)).join("\u0001");
      const k = key.js(message);
      const seen = byKey.get(k);
      if (!seen) byKey.set(k, { tokens, message });
      else if (seen.tokens !== tokens) clashes.push(`${seen.message} | ${message}`);
    }
    expect(clashes).toEqual([]);
  });

  it("keeps apart what a digit rule would wrongly merge: JSON keys, URL schemes and query keys", () => {
    expect(key.js('{"user1": 5}')).not.toBe(key.js('{"user2": 5}'));
    expect(key.js("GET /x?page1=3")).toBe("GET /x?page0=0");
    expect(key.js("GET http://h/x?page1=3")).not.toBe(key.js("GET http://h/x?page2=3"));
    expect(key.js("Session 12 failed")).toBe(key.js("Session 977 failed"));
  });
});
