// npm run bench:sync — the GitHub calls a pass makes for 10, 100 and 1,000 patterns, against the fake REST API.
import { afterAll, expect, it } from "@jest/globals";
import { entry, harness, testConfig } from "../test/sync/helpers.js";
import type { LogEntry } from "../src/entries/log-entry.js";

const rows: string[] = [];

function word(seed: number): string {
  let x = (seed * 2654435761) % 4294967296;
  let out = "";
  for (let i = 0; i < 7; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    out += String.fromCharCode(97 + (x % 26));
  }
  return out;
}

function patterns(n: number, start: string, perPattern: number): LogEntry[] {
  const t0 = Date.parse(start);
  return Array.from({ length: n }).flatMap((_, p) =>
    Array.from({ length: perPattern }, (_, i) =>
      entry(
        `${word(p * 4)} ${word(p * 4 + 1)} ${word(p * 4 + 2)} ${word(p * 4 + 3)} failed for request ${i * 31 + 7}`,
        new Date(t0 + i * 1000 + p).toISOString(),
      ),
    ),
  );
}

for (const n of [10, 100, 1000]) {
  it(`${n} patterns`, async () => {
    const h = await harness();
    const config = testConfig((c) => {
      c.issues.maxNewPerPass = n;
      c.issues.stormThreshold = n + 1;
      c.issues.maxWritesPerPass = 10 * n;
    });
    const measure = async (label: string, logs: LogEntry[], now: string) => {
      h.gh.clearRequests();
      const started = performance.now();
      await h.pass(logs, now, config);
      const ms = performance.now() - started;
      rows.push(`| ${n} | ${label} | ${h.gh.reads()} | ${h.gh.writes()} | ${Math.round(ms)} |`);
    };
    const first = patterns(n, "2026-11-23T04:00:00Z", 2);
    await measure("first pass (all new)", first, "2026-11-23T05:00:00Z");
    expect(h.issues()).toHaveLength(n);
    await measure("same logs again (nothing new)", first, "2026-11-23T06:00:00Z");
    await measure(
      "one new entry per pattern",
      [...first, ...patterns(n, "2026-11-23T05:30:00Z", 1)],
      "2026-11-23T07:00:00Z",
    );
    await h.gh.close();
  });
}

afterAll(() => {
  process.stdout.write(
    ["", "| patterns | pass | reads | writes | ms |", "|---:|---|---:|---:|---:|", ...rows, ""].join("\n"),
  );
});
