#!/usr/bin/env node
// Clustering benchmark (`npm run bench:cluster`), not a test:
//  1. accuracy: ../shared/loghub/score.mjs --all over every data set with `log-gardener cluster --ids`;
//  2. leave-one-dataset-out: the thresholds and mask rules tuned on nine sets (scripts/tune-cluster.mjs),
//     scored on the tenth, for each of the ten; and whether tuning on all ten gives the shipped defaults;
//  3. the seeded Cloud-Logging-style corpus (scripts/gen-cloud-corpus.mjs) through `cluster --ids`;
//  4. stability: each data set in four windows of 500 lines with one state file, scored together;
//  5. throughput: the ten content.txt files concatenated and repeated to 1,000,000 lines, as they are
//     and with a unique token per line (scripts/cluster-speed.mjs; `npm run bench:cluster-speed` runs
//     only this part, several times, with the machine's load).
// Environment: LOGHUB_DIR (default ../shared/loghub), BENCH_LINES (default 1000000),
// BENCH_CLUSTER_CMD (default "node bin/log-gardener.js cluster"; e.g. "node scripts/cluster-bin.mjs").
// The loghub data is research-licensed: it is read from LOGHUB_DIR and never copied into the repo.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir, cpus, loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { buildSpeedFiles, describeRun, loghubDatasets, timeRun } from "./cluster-speed.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const loghub = resolve(root, process.env.LOGHUB_DIR ?? "../shared/loghub");
const totalLines = Number(process.env.BENCH_LINES ?? 1_000_000);
const command = (process.env.BENCH_CLUSTER_CMD ?? "node bin/log-gardener.js cluster")
  .split(/\s+/)
  .filter(Boolean);
const WINDOW = 500;

if (!existsSync(join(loghub, "score.mjs"))) {
  console.error(`bench-cluster: no score.mjs in ${loghub} (set LOGHUB_DIR)`);
  process.exit(2);
}
const { score, readTruth } = await import(pathToFileURL(join(loghub, "score.mjs")).href);
const datasets = loghubDatasets(loghub);
const work = mkdtempSync(join(tmpdir(), "lg-bench-"));

function run(args, input) {
  const r = spawnSync(command[0], [...command.slice(1), ...args], {
    cwd: root,
    input,
    maxBuffer: 1 << 30,
    encoding: "utf8",
  });
  if (r.error || r.status !== 0) {
    throw new Error(`${command.join(" ")} ${args.join(" ")} failed: ${r.error?.message ?? r.stderr}`);
  }
  return r.stdout;
}

const lines = (text) => {
  const out = text.split("\n");
  if (out[out.length - 1] === "") out.pop();
  return out;
};

// 1. accuracy, through the scorer exactly as documented
console.log(`## accuracy: score.mjs --all ${loghub} -- ${command.join(" ")} --ids\n`);
const jsonOut = join(work, "score.json");
const scored = spawnSync(
  process.execPath,
  [join(loghub, "score.mjs"), "--all", loghub, "--json", jsonOut, "--", ...command, "--ids"],
  { cwd: root, stdio: ["ignore", "inherit", "inherit"] },
);
if (scored.status !== 0 && !existsSync(jsonOut)) process.exit(scored.status ?? 1);
const accuracy = JSON.parse(readFileSync(jsonOut, "utf8"));
const byName = new Map(accuracy.datasets.map((d) => [d.dataset, d]));

// 2. leave-one-dataset-out (in process, from the built lib/)
console.log(`\n## leave-one-dataset-out: tune on nine, score the tenth\n`);
const { createTuner, toParams } = await import(pathToFileURL(join(root, "scripts/tune-cluster.mjs")).href);
const { TemplateMiner, DEFAULT_PARAMS } = await import(
  pathToFileURL(join(root, "lib/cluster/miner.js")).href
);
const { MASK_RULES } = await import(pathToFileURL(join(root, "lib/cluster/masks.js")).href);
const tuner = createTuner({
  loghub,
  datasets,
  lib: { TemplateMiner, score, readTruth, ruleNames: MASK_RULES.map((r) => r.name) },
});
const tunedAll = tuner.tune(datasets);
const shipped =
  JSON.stringify(sortKeys(toParams(tunedAll.point))) === JSON.stringify(sortKeys(DEFAULT_PARAMS));
console.log(`tuned on all ten: ${JSON.stringify(toParams(tunedAll.point))}`);
console.log(shipped ? "= the shipped DEFAULT_PARAMS" : "WARNING: differs from the shipped DEFAULT_PARAMS");
const loo = new Map();
for (const name of datasets) {
  const { point } = tuner.tune(datasets.filter((d) => d !== name));
  loo.set(name, tuner.scores(point).get(name).GA);
  const changed = Object.entries(point)
    .filter(([k, v]) => v !== tunedAll.point[k])
    .map(([k, v]) => `${k}=${v}`);
  console.log(
    `${name.padEnd(12)} LOO GA ${loo.get(name).toFixed(4)}  (vs all-ten tuning: ${changed.join(", ") || "same"})`,
  );
}
function sortKeys(o) {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));
}

// 3. the Cloud-Logging-style corpus, through the command as a user runs it
console.log(`\n## Cloud-Logging-style corpus (scripts/gen-cloud-corpus.mjs, seed 12, 20,000 entries)\n`);
const corpusDir = join(work, "cloud-corpus");
spawnSync(process.execPath, [join(root, "scripts/gen-cloud-corpus.mjs"), corpusDir], { stdio: "inherit" });
const cloudIds = lines(run(["--ids", join(corpusDir, "entries.jsonl")]));
const cloud = score(readTruth(join(corpusDir, "truth.tsv")), cloudIds);
console.log(
  `GA ${cloud.GA.toFixed(4)}  FGA ${cloud.FGA.toFixed(4)}  PairF1 ${cloud.pairF1.toFixed(4)}  ` +
    `groups ${cloud.predGroups} for ${cloud.trueGroups} true patterns (${(cloud.predGroups / cloud.trueGroups).toFixed(2)} per pattern)`,
);

// 4. stability: four windows, one state file, all ids scored together
console.log(`\n## stability: ${2000 / WINDOW} windows of ${WINDOW} lines with one --state file\n`);
const stability = new Map();
for (const name of datasets) {
  const content = lines(readFileSync(join(loghub, name, "content.txt"), "utf8"));
  const truth = readTruth(join(loghub, name, "truth.tsv"));
  const state = join(work, `${name}.state.json`);
  const ids = [];
  for (let start = 0; start < content.length; start += WINDOW) {
    const input = content.slice(start, start + WINDOW).join("\n") + "\n";
    ids.push(...lines(run(["--ids", "--state", state], input)));
  }
  const windowed = score(truth, ids);
  stability.set(name, windowed.GA);
  const oneShot = byName.get(name)?.GA ?? NaN;
  console.log(
    `${name.padEnd(12)} windowed GA ${windowed.GA.toFixed(4)}  one-shot ${oneShot.toFixed(4)}  delta ${(windowed.GA - oneShot).toFixed(4)}`,
  );
}

// 5. throughput on 1M-line files built in the temp directory (scripts/cluster-speed.mjs)
console.log(`\n## throughput: ${totalLines.toLocaleString("en")} lines\n`);
const speedRuns = buildSpeedFiles(loghub, datasets, work, totalLines).map(({ label, file }) => ({
  label,
  run: timeRun(command, file, { cwd: root, work }),
}));
rmSync(work, { recursive: true, force: true });

// one table
const rows = datasets.map((name) => {
  const a = byName.get(name) ?? {};
  const w = stability.get(name);
  return { name, GA: a.GA, FGA: a.FGA, loo: loo.get(name), windowed: w, delta: w - a.GA };
});
const mean = (k) => rows.reduce((s, r) => s + r[k], 0) / rows.length;
const f = (x) => (Number.isFinite(x) ? x.toFixed(4) : "  n/a ");
console.log("\n## summary\n");
console.log(`| dataset | GA | FGA | leave-one-out GA | GA 4x${WINDOW} + state | delta |`);
console.log("|---|---:|---:|---:|---:|---:|");
for (const r of rows)
  console.log(`| ${r.name} | ${f(r.GA)} | ${f(r.FGA)} | ${f(r.loo)} | ${f(r.windowed)} | ${f(r.delta)} |`);
console.log(
  `| **mean** | **${f(mean("GA"))}** | **${f(mean("FGA"))}** | **${f(mean("loo"))}** | ${f(mean("windowed"))} | ${f(mean("delta"))} |`,
);
console.log(
  `\nCloud-Logging-style corpus: GA ${f(cloud.GA)}, FGA ${f(cloud.FGA)}, ${cloud.predGroups} groups for ${cloud.trueGroups} true patterns`,
);
for (const { label, run } of speedRuns) console.log(`\n${describeRun(label, totalLines, run)}`);
console.log(
  `load average when done: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(" ")}`,
);
console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? "?"}, node ${process.version}`);
process.exitCode = scored.status === 0 ? 0 : 1;
