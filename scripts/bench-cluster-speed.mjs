#!/usr/bin/env node
// Cluster speed benchmark (`npm run bench:cluster-speed`), not a test: messages/s end to end (process
// start included) and peak RSS of `log-gardener cluster --ids FILE` on 1,000,000 lines, repeated and
// with no line repeating (scripts/cluster-speed.mjs builds the files from the shared loghub sets).
// Each file runs BENCH_RUNS times (default 3); the best and the median run are shown with the load
// average before each run, since other processes on the machine slow a run down.
// Environment: LOGHUB_DIR (default ../shared/loghub), BENCH_LINES, BENCH_RUNS, BENCH_CLUSTER_CMD.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildSpeedFiles, describeRun, loghubDatasets, timeRun } from "./cluster-speed.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const loghub = resolve(root, process.env.LOGHUB_DIR ?? "../shared/loghub");
const totalLines = Number(process.env.BENCH_LINES ?? 1_000_000);
const runs = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
const command = (process.env.BENCH_CLUSTER_CMD ?? "node bin/log-gardener.js cluster")
  .split(/\s+/)
  .filter(Boolean);

const datasets = loghubDatasets(loghub);
if (datasets.length === 0) {
  console.error(`bench-cluster-speed: no data sets in ${loghub} (set LOGHUB_DIR)`);
  process.exit(2);
}
if (!existsSync(join(root, command[1] ?? "")))
  console.warn(`bench-cluster-speed: ${command[1]} not found (npm run build?)`);
const work = mkdtempSync(join(tmpdir(), "lg-speed-"));
const load = () => loadavg()[0].toFixed(2);
console.log(
  `## cluster speed: ${command.join(" ")} --ids FILE, ${totalLines.toLocaleString("en")} lines, ${runs} run(s) each\n`,
);
try {
  for (const { label, file } of buildSpeedFiles(loghub, datasets, work, totalLines)) {
    const results = [];
    for (let i = 0; i < runs; i++) {
      const before = load();
      results.push({ ...timeRun(command, file, { cwd: root, work }), load: before });
    }
    results.sort((a, b) => a.seconds - b.seconds);
    const best = results[0];
    const median = results[Math.floor((results.length - 1) / 2)];
    console.log(`${describeRun(`${label}; best`, totalLines, best)}; load ${best.load}`);
    if (runs > 1) console.log(`${describeRun(`${label}; median`, totalLines, median)}; load ${median.load}`);
    const rss = Math.max(...results.map((r) => r.rssKb));
    console.log(
      `  peak RSS over the runs ${(rss / 1024).toFixed(0)} MB; loads ${results.map((r) => r.load).join(", ")}\n`,
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(
  `load average when done: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(" ")}`,
);
console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? "?"}, node ${process.version}`);
