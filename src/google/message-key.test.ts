import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { readFileSync } from "node:fs";
import { DuckDBInstance, VARCHAR, LIST, listValue, type DuckDBConnection } from "@duckdb/node-api";
import { keyTokens, maskedKey } from "../cluster/mask.js";
import { normalizeEntry } from "../entries/normalize.js";
import { MACROS, toDuckDb } from "../../test/fake-bigquery/dialect.js";
import { MAX_CHARS } from "../cluster/mask.js";
import { messageKey } from "./message-key.js";

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
      `${"x".repeat(MAX_CHARS - 3)} ${n} tail ${i}`,
      `user ${"é".repeat(1100)} ${n}`,
      `GET /api/v${i % 3}/orders/${n} 502 Bad Gateway in ${i}ms from 10.0.${i % 9}.${n % 250}:443`,
      `{"event": "login", "user": "u${n}", "ok": ${i % 2 === 0}}`,
      `failed: connection to db-${i % 3}.internal refused (errno ${n % 7}) at 2026-11-2${i % 9}T10:0${i % 6}:00Z`,
      `token 'abc${n}' rejected at Jan ${1 + (i % 28)}, 2026 ${i % 24}:00`,
      `\u00a0\u2003 ${n}\tspaced\v${i}`,
      `user_id\v=\vu${n} "quoted\u00a0text" at\u2028/var/x${i}/y and 'a\u3000b' Jan\u00a0${1 + (i % 28)}`,
      `{"k":\u00a0"v${n}"} GET\u00a0/x/${n} 200\u00a0OK\ufeff[a,\vb]`,
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

describe("the message key Log Analytics groups by", () => {
  const key = messageKey();

  it("is the same computed by the SQL generated from the masks (run on DuckDB) and in JavaScript", async () => {
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

  it("is the miner's own masked key for a single-line message, Unicode spaces and vertical tabs included", () => {
    const single = corpus().filter((m) => !m.includes("\n") && Buffer.byteLength(m) <= MAX_CHARS);
    expect(single.filter((m) => /[\v\u00a0\u2028\u3000\ufeff]/.test(m)).length).toBeGreaterThan(100);
    expect(single.length).toBeGreaterThan(100);
    expect(single.filter((m) => key.js(m) !== maskedKey(m))).toEqual([]);
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
});
