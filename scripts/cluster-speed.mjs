// Throughput of `log-gardener cluster --ids FILE` on three 1,000,000-line files built from the shared
// loghub sets (the ten content.txt files concatenated and repeated; never copied into the repo):
//  - repeated: the lines as they are (each repeats 50 times);
//  - unique, req<i>: each line with a unique `req<i>` token appended (no line repeats verbatim, but lines
//    still repeat once digits are ignored, which the line cache does);
//  - unique, letters: each line with a unique token of letters and digits appended (nothing repeats at
//    all: every line is masked).
// Used by bench-cluster.mjs and bench-cluster-speed.mjs.
import { spawnSync } from "node:child_process";
import {
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join, resolve } from "node:path";

const splitLines = (text) => {
  const out = text.split("\n");
  if (out[out.length - 1] === "") out.pop();
  return out;
};

/** The three input files, written to `dir`: `{ label, file }` each. */
export function buildSpeedFiles(loghub, datasets, dir, totalLines) {
  const corpus = datasets.map((n) => readFileSync(join(loghub, n, "content.txt"), "utf8")).join("");
  const base = splitLines(corpus);
  const variant = (name, line) => {
    const file = join(dir, name);
    const fd = openSync(file, "w");
    for (let start = 0; start < totalLines; start += 50_000) {
      const chunk = [];
      for (let i = start; i < Math.min(start + 50_000, totalLines); i++) chunk.push(line(i));
      writeSync(fd, chunk.join("\n") + "\n");
    }
    closeSync(fd);
    return file;
  };
  return [
    { label: "the ten data sets repeated", file: variant("messages.txt", (i) => base[i % base.length]) },
    {
      label: "the same with a unique token per line, req<i>",
      file: variant("unique.txt", (i) => `${base[i % base.length]} req${i}`),
    },
    {
      label: "the same with a unique token of letters and digits per line",
      file: variant(
        "unique-letters.txt",
        (i) => `${base[i % base.length]} req-${(Math.imul(i + 1, 2654435761) >>> 0).toString(36)}`,
      ),
    },
  ];
}

/** The data sets of a loghub directory (folders with a content.txt), sorted. */
export function loghubDatasets(loghub) {
  return readdirSync(loghub, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(loghub, d.name, "content.txt")))
    .map((d) => d.name)
    .sort();
}

/**
 * Runs `command --ids file` once: wall seconds, CPU seconds (user + system) and peak RSS in KB, from
 * /usr/bin/time where there is one, else from a wrapper that reads process.resourceUsage() at exit.
 */
export function timeRun(command, file, { cwd, work }) {
  if (existsSync("/usr/bin/time")) {
    const r = spawnSync("/usr/bin/time", ["-f", "BENCH %e %M %U %S", ...command, "--ids", file], {
      cwd,
      stdio: ["ignore", "ignore", "pipe"],
      encoding: "utf8",
    });
    const m = /BENCH ([\d.]+) (\d+) ([\d.]+) ([\d.]+)/.exec(r.stderr ?? "");
    if (r.status !== 0 || !m) throw new Error(`throughput run failed: ${r.stderr}`);
    return { seconds: Number(m[1]), rssKb: Number(m[2]), cpuSeconds: Number(m[3]) + Number(m[4]) };
  }
  const wrapper = join(work, "rss-wrapper.mjs");
  writeFileSync(
    wrapper,
    `import { writeSync } from "node:fs";\nimport { pathToFileURL } from "node:url";\n` +
      `process.on("exit", () => { const u = process.resourceUsage(); ` +
      `writeSync(2, "BENCH_RSS " + u.maxRSS + " " + (u.userCPUTime + u.systemCPUTime) + "\\n"); });\n` +
      `const script = process.argv[2];\nprocess.argv.splice(1, 2, script);\n` +
      `await import(pathToFileURL(script).href);\n`,
  );
  const start = process.hrtime.bigint();
  const r = spawnSync(
    process.execPath,
    [wrapper, resolve(cwd, command[1]), ...command.slice(2), "--ids", file],
    {
      cwd,
      stdio: ["ignore", "ignore", "pipe"],
      encoding: "utf8",
    },
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const m = /BENCH_RSS (\d+) (\d+)/.exec(r.stderr ?? "");
  if (r.status !== 0 || !m) throw new Error(`throughput run failed: ${r.stderr}`);
  return { seconds, rssKb: Number(m[1]), cpuSeconds: Number(m[2]) / 1e6 };
}

/** One line of the report for a run. */
export function describeRun(label, totalLines, { seconds, rssKb, cpuSeconds }) {
  return (
    `throughput (${label}): ${totalLines.toLocaleString("en")} lines in ${seconds.toFixed(2)} s ` +
    `(CPU ${cpuSeconds.toFixed(2)} s) = ${Math.round(totalLines / seconds).toLocaleString("en")} messages/s ` +
    `end to end; peak RSS ${(rssKb / 1024).toFixed(0)} MB`
  );
}
