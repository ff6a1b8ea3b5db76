// Secrets never reach GitHub: what a pass writes to the (fake) REST API holds no secret of the redaction
// catalogue, in any title, body or comment, and a key hard-coded in a log line is kept out of the title.
import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { POSITIVES } from "../redaction/catalogue.js";
import type { FakeGitHub } from "../fake-github/index.js";
import { entry, harness, series, testConfig } from "./helpers.js";

type H = Awaited<ReturnType<typeof harness>>;
let h: H;
let gh: FakeGitHub;
beforeEach(async () => {
  h = await harness();
  gh = h.gh;
});
afterEach(() => gh.close());

/** Every string the pass sent to GitHub in a write (titles, bodies, comments, labels). */
function written(): string[] {
  const strings: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === "string") strings.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") Object.values(v).forEach(walk);
  };
  for (const r of gh.requests) if (r.method !== "GET") walk(r.body);
  return strings;
}

const roomy = () =>
  testConfig((c) => {
    c.issues.maxNewPerPass = 1000;
    c.issues.stormThreshold = 1000;
    c.issues.maxWritesPerPass = 10_000;
  });

describe("secrets never reach GitHub", () => {
  it("no secret of the catalogue is in what a pass writes, each line shown as its issue's sample", async () => {
    // One line of each kind, and every line with a URL or user@host (masking cuts those apart in templates);
    // the whole catalogue goes through the same gate in src/safety/redaction-catalogue.test.ts.
    const lines = POSITIVES.filter(
      (p, i) => POSITIVES.findIndex((q) => q.kind === p.kind) === i || /:\/\/|@/.test(p.line),
    );
    // One pattern per line (a logger of its own), so that every line is the sample of its issue.
    const logs = lines.map((p, i) =>
      entry(p.line, new Date(Date.parse("2026-11-23T04:00:00Z") + i * 1000).toISOString(), "ERROR", {
        logger: `app.module${i}`,
      }),
    );
    const result = await h.pass(logs, "2026-11-23T10:00:00Z", roomy());
    expect(result.applied?.failures).toEqual([]);
    expect(h.issues()).toHaveLength(lines.length);
    const out = written().join("\n");
    const leaked = lines.filter((p) => out.includes(p.secret)).map((p) => `${p.rules[0]}: ${p.line}`);
    expect(leaked).toEqual([]);
    expect(out).toContain("[REDACTED:github-token]");
  });

  it("a key hard-coded in a log line, a thousand times over, reaches neither title nor samples", async () => {
    // Without a digit, masking keeps a token in the template.
    const stripe = "sk_live_" + "ZqXwRtYpLmNbVcHdKjGfQwEr";
    const unnamed = "qWeRtYuIoPaSdFgHjKlZxCvBnMaSdF";
    const account = "4417-2290-0131"; // only the library (secretlint's AWS rule) knows this one
    const start = "2026-11-23T04:00:00Z";
    const logs = [
      ...series(1000, start, (i) => `charging order ${i} with ${stripe}`, "ERROR"),
      ...series(1000, start, (i) => `edge handshake ok for node ${i} using ${unnamed}`, "ERROR"),
      ...series(1000, start, (i) => `billing export for account_id: ${account} batch ${i}`, "ERROR"),
    ].map((e, i) => ({ ...e, logger: `app.pattern${Math.floor(i / 1000)}` }));
    await h.pass(logs, "2026-11-23T20:00:00Z", roomy());
    const issues = h.issues();
    expect(issues).toHaveLength(3);
    const titles = issues.map((i) => i.title.replace(/^\[P\d\] /, "")).sort();
    expect(titles).toEqual([
      "api: billing export for account_id: <id> batch <num>",
      "api: charging order <num> with [REDACTED:stripe-key]",
      "api: edge handshake ok for node <num> using [REDACTED:random-token]",
    ]);
    const out = written().join("\n");
    for (const secret of [stripe, unnamed, account]) expect(out).not.toContain(secret);
    expect(out).toContain("[REDACTED:aws-account-id]");
    expect(out).toContain("[REDACTED:random-token]");
  });
});
