import { beforeAll, describe, expect, it } from "@jest/globals";
import { PassThrough, Readable } from "node:stream";
import { NEGATIVES, NOT_IN_LOG_TEXT, POSITIVES, SCANNER_RULES } from "../../test/redaction/catalogue.js";
import { runRedactCommand } from "../cli/redact-command.js";
import { screenForPosting } from "./library.js";
import { createRedactor } from "./redact.js";

/** Runs `log-gardener redact` (our rules, then the library on blocks of lines) and returns its output lines. */
async function redactCommand(lines: readonly string[], explain = false): Promise<string[]> {
  const stdout = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on("data", (c: Buffer) => chunks.push(c));
  const code = await runRedactCommand(
    { explain },
    { stdin: Readable.from([Buffer.from(lines.join("\n") + "\n")]), stdout, stderr: new PassThrough() },
  );
  expect(code).toBe(0);
  await new Promise((resolve) => setImmediate(resolve));
  return Buffer.concat(chunks).toString("utf8").split("\n").slice(0, -1);
}

/** The sync gate: the pass's text screened by the library, then each text redacted. */
async function postingGate(lines: readonly string[]): Promise<string[]> {
  const redactor = createRedactor();
  await screenForPosting(redactor, lines);
  return lines.map((l) => redactor.redactText(l));
}

const labels = (text: string): string[] => [...text.matchAll(/\[REDACTED:([^\]]+)\]/g)].map((m) => m[1]);
const cases = POSITIVES.map((p, i) => [`${p.rules.join(" ")}`, p.kind, i] as const);

describe.each([
  ["log-gardener redact", (lines: readonly string[]) => redactCommand(lines)],
  ["the posting gate", postingGate],
])("the redaction catalogue through %s", (_path, redact) => {
  let positives: string[];
  let negatives: string[];
  beforeAll(async () => {
    positives = await redact(POSITIVES.map((p) => p.line));
    negatives = await redact(NEGATIVES.map((n) => n.line));
  });

  it.each(cases)("%s: redacted as %s", (_rules, kind, i) => {
    const out = positives[i];
    expect(out).not.toContain(POSITIVES[i].secret);
    expect(labels(out)).toContain(kind);
  });

  it("changes at most one look-alike line (UUIDs, trace ids, SHAs, hashes, versions, durations, words)", () => {
    const changed = NEGATIVES.flatMap((n, i) =>
      negatives[i] === n.line ? [] : [`${n.what}: ${negatives[i]}`],
    );
    // One change is allowed; more fail with the list of what changed.
    expect(changed.length > 1 ? changed : []).toEqual([]);
  });
});

describe("the catalogue covers the scanners' rule sets", () => {
  it.each(Object.entries(SCANNER_RULES))("every %s rule has a line", (scanner, rules) => {
    const covered = new Set(POSITIVES.flatMap((p) => p.rules));
    const missing = rules.filter(
      (r) => !covered.has(`${scanner}:${r}`) && !NOT_IN_LOG_TEXT[`${scanner}:${r}`],
    );
    expect(missing).toEqual([]);
  });
  it("names only rules that exist", () => {
    const known = new Set(
      Object.entries(SCANNER_RULES).flatMap(([s, rules]) => rules.map((r) => `${s}:${r}`)),
    );
    const unknown = POSITIVES.flatMap((p) => p.rules).filter((r) => !known.has(r) && !r.startsWith("ours:"));
    expect(unknown).toEqual([]);
  });
});

describe("log-gardener redact --explain", () => {
  it("prints each finding's kind and rule, ours or the library's, under its line", async () => {
    const ghp = "ghp_" + "Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0Uv1Wx2Y";
    const out = await redactCommand(
      [
        "nothing here",
        `token=${ghp} db=postgres://app:p@ss!w0rd#1@db:5432/x`,
        "billing account_id: 1234-5678-9012",
      ],
      true,
    );
    expect(out).toEqual([
      "2: token=[REDACTED:github-token] db=postgres://app:[REDACTED:password]@db:5432/x",
      "    github-token             ours:provider-token",
      "    password                 ours:url-credentials",
      "3: billing account_id: [REDACTED:aws-account-id]",
      "    aws-account-id           library:@secretlint/secretlint-rule-aws",
      "3 finding(s) on 2 line(s): 2 by our rules, 1 by the library detector (secretlint).",
    ]);
  });
  it("a line that log text wrote to switch the library off changes nothing", async () => {
    const out = await redactCommand(["note: secretlint-disable", "billing account_id: 1234-5678-9012"]);
    expect(out[1]).toBe("billing account_id: [REDACTED:aws-account-id]");
  });
});
