// npm run bench:volume — a busy service's window: 1,000,000 entries over 6 hours. The log-analytics source
// counts them with one query (the real BigQuery client against the fake jobs.query on DuckDB); the entries
// source reads the same window through the real Cloud Logging client against the fake gRPC server, stops at
// its cap and marks its counts as lower bounds. Timings are measured here and printed, never asserted.
import { afterAll, beforeAll, expect, it } from "@jest/globals";
import { mkdirSync, writeFileSync } from "node:fs";
import { ProbotOctokit } from "probot";
import type { GardenerConfig } from "../src/config/schema.js";
import { decodeState } from "../src/issue-body/marker.js";
import { cloudLogSource } from "../src/pass/cloud-source.js";
import { gardenRepo } from "../src/sync/garden-sync.js";
import { fakeBigQueryOptions, startFakeBigQuery, type FakeBigQuery } from "../test/fake-bigquery/server.js";
import { fastOctokitOptions, startFakeGitHub, type FakeGitHub } from "../test/fake-github/index.js";
import {
  fakeClientOptions,
  startFakeLogging,
  type FakeLogging,
  type SimpleEntry,
} from "../test/fake-logging-server.js";
import { testConfig } from "../test/sync/helpers.js";

process.env.METADATA_SERVER_DETECTION ??= "none";

const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 1_000_000);
const PROJECT = "acme-prod";
const VIEW = `${PROJECT}.gardener._AllLogs`;
const NOW = Date.parse("2026-11-23T12:00:00Z");
const WINDOW_MS = 6 * 3_600_000;

// Patterns of three services, text and JSON payloads, with the variable parts a busy service writes.
const PATTERNS: Array<{ service: string; severity: string; make: (i: number) => Partial<SimpleEntry> }> = [
  {
    service: "api",
    severity: "WARNING",
    make: (i) => ({ textPayload: `Session ${i % 9973} access failed for user u${i % 541}` }),
  },
  {
    service: "api",
    severity: "ERROR",
    make: (i) => ({ textPayload: `Upstream timeout after ${i % 3000} ms calling payments` }),
  },
  {
    service: "api",
    severity: "WARNING",
    make: (i) => ({
      jsonPayload: { message: `Slow query took ${i % 997} ms on shard ${i % 16}`, logger: "app.db" },
    }),
  },
  {
    service: "worker",
    severity: "ERROR",
    make: (i) => ({ textPayload: `Job ${i} failed: retry ${i % 5} of 5` }),
  },
  {
    service: "worker",
    severity: "CRITICAL",
    make: (i) => ({ jsonPayload: { message: `Queue depth ${i % 100000} over limit`, logger: "app.queue" } }),
  },
  {
    service: "web",
    severity: "WARNING",
    make: (i) => ({ textPayload: `Cache miss ratio ${i % 100}% on node-${i % 7}` }),
  },
  {
    service: "web",
    severity: "ERROR",
    make: (i) => ({ textPayload: `Template render error at line ${i % 400}` }),
  },
];
const WEIGHTS = [40, 15, 15, 12, 3, 10, 5];
const CUMULATIVE = WEIGHTS.map((_, i) => WEIGHTS.slice(0, i + 1).reduce((a, b) => a + b, 0));

function entryAt(i: number): SimpleEntry {
  const r = (i * 7919) % 100;
  const p = CUMULATIVE.findIndex((c) => r < c);
  const pattern = PATTERNS[p]!;
  const t = NOW - WINDOW_MS + Math.floor((i * WINDOW_MS) / ENTRIES);
  return {
    timestamp: new Date(t).toISOString(),
    severity: pattern.severity,
    insertId: `bench-${i}`,
    logName: `projects/${PROJECT}/logs/run.googleapis.com%2Fstdout`,
    resource: { type: "cloud_run_revision", labels: { service_name: pattern.service } },
    ...pattern.make(i),
  };
}

let bigquery: FakeBigQuery;
let logging: FakeLogging;
let gh: FakeGitHub;
const report: string[] = [];
beforeAll(async () => {
  bigquery = await startFakeBigQuery();
  bigquery.defaultPageSize = 10_000;
  logging = await startFakeLogging();
  gh = await startFakeGitHub();
});
afterAll(async () => {
  await gh.close();
  await logging.close();
  await bigquery.close();
  mkdirSync("gardener-out", { recursive: true });
  writeFileSync("gardener-out/bench-volume.txt", `${report.join("\n")}\n`);
});

function config(source: GardenerConfig["source"]): GardenerConfig & { project: string } {
  return testConfig((c) => {
    c.project = PROJECT;
    c.resource.type = "cloud_run_revision";
    c.source = source;
    c.logAnalytics.view = VIEW;
    c.issues.maxNewPerPass = 20;
  }) as GardenerConfig & { project: string };
}

async function pass(repo: string, source: GardenerConfig["source"]) {
  const octokit = new ProbotOctokit({ auth: { token: "t" }, baseUrl: gh.baseUrl, ...fastOctokitOptions() });
  const reader = cloudLogSource({
    logging: fakeClientOptions(logging.port),
    bigquery: fakeBigQueryOptions(bigquery),
  });
  const cfg = config(source);
  const to = new Date(NOW);
  const from = new Date(NOW - WINDOW_MS);
  gh.setTime(to);
  const started = performance.now();
  let readSeconds = 0;
  const result = await gardenRepo({
    gh: octokit,
    owner: "acme",
    repo,
    config: cfg,
    source: async (hints) => {
      const t = performance.now();
      const read = await reader(cfg, { from, to }, hints);
      readSeconds = (performance.now() - t) / 1000;
      return read;
    },
    now: to,
  });
  return { result, seconds: (performance.now() - started) / 1000, readSeconds };
}

it(`counts ${ENTRIES} entries exactly with log-analytics and marks the entries fallback's lower bounds`, async () => {
  let started = performance.now();
  const entries = Array.from({ length: ENTRIES }, (_, i) => entryAt(i));
  await bigquery.setView(VIEW, entries);
  logging.setEntries(entries);
  const loadSeconds = (performance.now() - started) / 1000;

  const sql = await pass("sql", "log-analytics");
  const counted = sql.result.worklog.entries.analyzed;
  const sqlIssues = gh.repo("acme", "sql").issues;

  started = performance.now();
  const fallback = await pass("fallback", "entries");
  const fallbackSeconds = (performance.now() - started) / 1000;
  const read = fallback.result.worklog.entries.read;
  const fallbackIssues = gh.repo("acme", "fallback").issues;
  const marked =
    !fallback.result.worklog.entries.complete &&
    fallbackIssues.length > 0 &&
    fallbackIssues.every((i) => i.body?.includes("in total, ≥ ") && decodeState(i.body)?.ok);

  report.push(
    `fixture: ${ENTRIES} entries, ${PATTERNS.length} patterns, 3 services, loaded in ${loadSeconds.toFixed(1)} s`,
    `log-analytics: query and read ${sql.readSeconds.toFixed(1)} s of the pass, ` +
      `${sql.result.worklog.clusters.length} clusters, ${sqlIssues.length} issues, ` +
      `${sql.result.worklog.query?.bytesProcessed} bytes processed (fake), ` +
      `${bigquery.calls.filter((c) => c.method === "GET").length} getQueryResults pages`,
    `entries fallback: read ${read} in ${fallback.result.worklog.entries.requests} entries.list calls ` +
      `(${fallback.readSeconds.toFixed(1)} s), pass ${fallbackSeconds.toFixed(1)} s, ${fallbackIssues.length} issues`,
    `entries ${ENTRIES}, log-analytics pass ${sql.seconds.toFixed(1)} s, counted ${counted} of ${ENTRIES}, ` +
      `entries fallback read ${read}, ${marked ? "lower bounds marked" : "lower bounds NOT marked"}`,
  );
  expect(counted).toBe(ENTRIES);
  expect(marked).toBe(true);
});
