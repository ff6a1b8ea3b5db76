import { ProbotOctokit } from "probot";
import { defaultConfig } from "../../src/config/load.js";
import type { GardenerConfig } from "../../src/config/schema.js";
import type { LogEntry, Severity } from "../../src/entries/log-entry.js";
import type { SourceResult } from "../../src/pass/analyze.js";
import { gardenRepo } from "../../src/sync/garden-sync.js";
import { fastOctokitOptions, startFakeGitHub, type FakeGitHub } from "../fake-github/index.js";

export const REPO = { owner: "octo", repo: "repo" };

let seq = 0;
export function entry(
  message: string,
  at: string,
  severity: Severity = "WARNING",
  extra: Partial<LogEntry> = {},
): LogEntry {
  return {
    timestamp: new Date(at),
    severity,
    message,
    labels: {},
    resource: { type: "cloud_run_revision", labels: { service_name: "api" } },
    service: "api",
    logger: "app.sessions",
    sourceLocation: { file: "app/sessions.py", line: 10, function: "load" },
    insertId: `id-${++seq}`,
    ...extra,
  };
}

/** `count` entries of one pattern, one a minute from `start`, with varying ids. */
export function series(
  count: number,
  start: string,
  make: (i: number) => string,
  severity?: Severity,
): LogEntry[] {
  const t0 = Date.parse(start);
  return Array.from({ length: count }, (_, i) =>
    entry(make(i), new Date(t0 + i * 60_000).toISOString(), severity),
  );
}

export function source(entries: LogEntry[], from?: string, to?: string): SourceResult {
  return {
    source: "test",
    entries,
    malformed: [],
    complete: true,
    atLeast: entries.length,
    timeRange: { from: from ? new Date(from) : undefined, to: to ? new Date(to) : undefined },
  };
}

export function testConfig(patch: (c: GardenerConfig) => void = () => {}): GardenerConfig {
  const config = defaultConfig();
  config.project = "acme-prod";
  patch(config);
  return config;
}

export async function harness() {
  const gh: FakeGitHub = await startFakeGitHub();
  const octokit = new ProbotOctokit({ auth: { token: "t" }, baseUrl: gh.baseUrl, ...fastOctokitOptions() });
  const pass = (entries: LogEntry[], now: string, config = testConfig(), dryRun = false) =>
    gardenRepo({ gh: octokit, ...REPO, config, source: source(entries), now: new Date(now), dryRun });
  const issues = () => gh.repo(REPO.owner, REPO.repo).issues;
  return { gh, octokit, pass, issues };
}
