// npm run bench:redact — what redaction catches and what it costs:
//  1. recall per kind on the catalogue (test/redaction/catalogue.ts) through `log-gardener redact`, on the
//     catalogue's own values and on held-out values (20 other seeds), false positives on its look-alikes,
//     and what the library detector (secretlint) catches alone;
//  2. `log-gardener redact` (the built CLI, a child process) on 100,000 lines: plain log lines (loghub, read
//     from LOGHUB_DIR and never copied, or generated lines without it) and Cloud Logging JSON lines, one line
//     in a hundred holding a catalogue secret; our rules and the library timed apart in-process;
//  3. the per-pass cost of the library gate: a pass's analysis, then screening what it may post.
// Numbers only: nothing here asserts a time. Needs `npm run build` first (the script does it).
import { afterAll, it } from "@jest/globals";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { runRedactCommand } from "../src/cli/redact-command.js";
import { defaultConfig } from "../src/config/load.js";
import { readLogFile } from "../src/entries/file-source.js";
import { analyze } from "../src/pass/analyze.js";
import { screenPass } from "../src/pass/screen.js";
import { librarySecrets, screenForPosting } from "../src/safety/library.js";
import { createRedactor } from "../src/safety/redact.js";
import { buildCatalogue, NEGATIVES, POSITIVES, type Positive } from "../test/redaction/catalogue.js";

const report: string[] = [];
const say = (line = "") => report.push(line);
afterAll(() => {
  process.stdout.write(report.join("\n") + "\n");
});

const root = process.cwd();
const LINES = 100_000;

async function redactLines(lines: readonly string[]): Promise<string[]> {
  const stdout = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on("data", (c: Buffer) => chunks.push(c));
  const stdin = Readable.from([Buffer.from(lines.join("\n") + "\n")]);
  await runRedactCommand({}, { stdin, stdout, stderr: new PassThrough() });
  await new Promise((r) => setImmediate(r));
  return Buffer.concat(chunks).toString("utf8").split("\n");
}

const caught = (p: Positive, out: string) => !out.includes(p.secret) && out.includes(`[REDACTED:${p.kind}]`);

function tally(into: Map<string, [number, number]>, positives: readonly Positive[], out: string[]): void {
  positives.forEach((p, i) => {
    const t = into.get(p.kind) ?? [0, 0];
    t[0] += caught(p, out[i]) ? 1 : 0;
    t[1]++;
    into.set(p.kind, t);
  });
}

it("recall per kind and false positives on the catalogue", async () => {
  const own = new Map<string, [number, number]>();
  tally(own, POSITIVES, await redactLines(POSITIVES.map((p) => p.line)));
  const heldOut = new Map<string, [number, number]>();
  let heldOutLines = 0;
  for (let seed = 1001; seed <= 1020; seed++) {
    const { positives } = buildCatalogue(seed);
    heldOutLines += positives.length;
    tally(heldOut, positives, await redactLines(positives.map((p) => p.line)));
  }
  const libraryOnly = createRedactor([], { builtin: false });
  await screenForPosting(
    libraryOnly,
    POSITIVES.map((p) => p.line),
  );
  const library = new Map<string, [number, number]>();
  tally(
    library,
    POSITIVES,
    POSITIVES.map((p) => libraryOnly.redactText(p.line)),
  );
  const negatives = await redactLines(NEGATIVES.map((n) => n.line));
  const changed = NEGATIVES.filter((n, i) => negatives[i] !== n.line);

  const sum = (m: Map<string, [number, number]>) =>
    [...m.values()].reduce(([a, b], [c, d]) => [a + c, b + d], [0, 0]);
  const [ownHit, ownAll] = sum(own);
  const [heldHit, heldAll] = sum(heldOut);
  const [libHit] = sum(library);
  say(
    `## Catalogue: ${POSITIVES.length} lines, ${own.size} kinds; held out: ${heldOutLines} lines (seeds 1001-1020)`,
  );
  say(
    `recall: ${ownHit}/${ownAll} on the catalogue, ${heldHit}/${heldAll} held out; library alone ${libHit}/${ownAll}`,
  );
  say(
    `false positives: ${changed.length} of ${NEGATIVES.length} look-alike lines changed ${changed.map((n) => n.what).join(", ")}`,
  );
  say("");
  say("| kind | catalogue | held out | library alone |");
  say("|---|---:|---:|---:|");
  for (const [kind, [hit, all]] of [...own].sort()) {
    const [h, a] = heldOut.get(kind) ?? [0, 0];
    const [l] = library.get(kind) ?? [0, 0];
    say(`| ${kind} | ${hit}/${all} | ${h}/${a} | ${l}/${all} |`);
  }
});

function loghubLines(): string[] | undefined {
  const dirs = [process.env.LOGHUB_DIR, "../shared/loghub", "../../shared/loghub"].filter(
    Boolean,
  ) as string[];
  const dir = dirs.map((d) => resolve(root, d)).find((d) => existsSync(d));
  if (!dir) return undefined;
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, "content.txt")))
    .flatMap((d) =>
      readFileSync(join(dir, d.name, "content.txt"), "utf8")
        .split("\n")
        .filter(Boolean),
    );
}

function generatedLines(): string[] {
  return Array.from(
    { length: 5000 },
    (_, i) =>
      `2026-11-23T04:${String(i % 60).padStart(2, "0")}:00Z INFO worker-${i % 7} handled job ${i * 31} in ${i % 900}ms`,
  );
}

/** `LINES` lines cycling through `base`, every hundredth one a catalogue line. */
function workload(base: string[]): string[] {
  return Array.from({ length: LINES }, (_, i) =>
    i % 100 === 99 ? POSITIVES[((i / 100) % POSITIVES.length) | 0].line : base[i % base.length],
  );
}

function timeCli(file: string): { ms: number; lines: number } {
  const started = performance.now();
  const run = spawnSync(process.execPath, [join(root, "bin/log-gardener.js"), "redact", file], {
    maxBuffer: 1 << 30,
    encoding: "utf8",
  });
  if (run.status !== 0) throw new Error(`redact failed: ${run.stderr}`);
  return { ms: performance.now() - started, lines: run.stdout.split("\n").length - 1 };
}

it("log-gardener redact on 100,000 lines", async () => {
  const dir = mkdtempSync(join(tmpdir(), "lg-bench-redact-"));
  const loghub = loghubLines();
  const json = readFileSync(join(root, "examples/staging-backend.jsonl"), "utf8").split("\n").filter(Boolean);
  const inputs: Array<[string, string[]]> = [
    [loghub ? "loghub lines" : "generated lines (no loghub)", workload(loghub ?? generatedLines())],
    ["Cloud Logging JSON lines", workload(json)],
  ];
  say("");
  say(`## log-gardener redact on ${LINES.toLocaleString("en")} lines (1 in 100 holds a catalogue secret)`);
  say("| input | MB | CLI wall ms | our rules ms | library ms |");
  say("|---|---:|---:|---:|---:|");
  for (const [name, lines] of inputs) {
    const file = join(dir, `${name.replace(/\W+/g, "-")}.txt`);
    writeFileSync(file, lines.join("\n") + "\n");
    const cli = timeCli(file);
    const redactor = createRedactor();
    let started = performance.now();
    const redacted = lines.map((l) => redactor.redactText(l));
    const ours = performance.now() - started;
    started = performance.now();
    for (let i = 0; i < redacted.length; i += 2000) await librarySecrets(redacted.slice(i, i + 2000));
    const library = performance.now() - started;
    const mb = (Buffer.byteLength(lines.join("\n")) / 1e6).toFixed(1);
    say(`| ${name} | ${mb} | ${cli.ms.toFixed(0)} | ${ours.toFixed(0)} | ${library.toFixed(0)} |`);
    if (cli.lines !== LINES) say(`(the CLI printed ${cli.lines} lines)`);
  }
});

it("per-pass cost of the library gate", async () => {
  const config = defaultConfig();
  const now = new Date("2026-11-23T12:00:00Z");
  const demo = await readLogFile(join(root, "examples/staging-backend.jsonl"), process.stdin, now);
  // A word of letters for each pattern (a digit would be masked and merge the patterns).
  const word = (n: number) =>
    [n % 26, Math.floor(n / 26) % 26, Math.floor(n / 676)]
      .map((d) => "abcdefghijklmnopqrstuvwxyz"[d])
      .join("");
  const synthetic = Array.from({ length: 3000 }, (_, i) => ({
    ...demo.entries[i % demo.entries.length],
    message: `${word(Math.floor(i / 3))} ${word(Math.floor(i / 3) + 7)} request failed for user ${i} after ${i % 50} ms`,
    logger: `app.module${Math.floor(i / 3)}`,
    insertId: `bench-${i}`,
  }));
  say("");
  say("## The library gate, per pass");
  say("| pass | entries | clusters | analysis ms | gate ms | library alone ms | texts | chars |");
  say("|---|---:|---:|---:|---:|---:|---:|---:|");
  for (const [name, entries] of [
    ["demo (examples/staging-backend.jsonl)", demo.entries],
    ["1,000 patterns, 3 samples each", synthetic],
  ] as const) {
    const source = {
      source: name,
      entries,
      malformed: [],
      complete: true,
      atLeast: entries.length,
      timeRange: {},
    };
    const redactor = createRedactor();
    let started = performance.now();
    const analysis = analyze(source, { ...config, severity: "DEFAULT" }, now, undefined, redactor);
    const analysisMs = performance.now() - started;
    started = performance.now();
    const screened = await screenPass(analysis, redactor);
    const gateMs = performance.now() - started;
    started = performance.now();
    const texts = analysis.clusters.flatMap((c) => [c.template, ...c.samples.map((s) => JSON.stringify(s))]);
    await librarySecrets(texts.map((t) => redactor.redactText(t)));
    const libraryMs = performance.now() - started;
    say(
      `| ${name} | ${entries.length} | ${analysis.clusters.length} | ${analysisMs.toFixed(0)} | ${gateMs.toFixed(0)} | ${libraryMs.toFixed(0)} | ${screened.texts} | ${screened.chars} |`,
    );
  }
});
