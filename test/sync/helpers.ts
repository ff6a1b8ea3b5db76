import { ProbotOctokit } from "probot";
import { defaultConfig } from "../../src/config/load.js";
import type { GardenerConfig } from "../../src/config/schema.js";
import type { LogEntry, Severity } from "../../src/entries/log-entry.js";
import { decodeState, type IssueState } from "../../src/issue-body/marker.js";
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

/** The sample pattern most tests use: `n` "Session access failed" warnings, one a minute. */
export const session = (n: number, start = "2026-11-23T04:00:00Z") =>
  series(n, start, (i) => `Session access failed (middleware not installed?): req-${1000 + i * 7}`);

/** The validated state of an issue body; throws when there is none. */
export function stateOf(body: string | null | undefined): IssueState {
  const decoded = decodeState(body);
  if (!decoded?.ok) throw new Error(`no usable state in ${body}`);
  return decoded.state;
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

/**
 * Fails with both dates when a test's timeline is not what it assumes (say, an issue closed after the
 * entries meant to regress it), instead of a bare count mismatch later on.
 */
export function expectBefore(
  what: string,
  earlier: string | Date | null | undefined,
  later: string | Date,
): void {
  const a = earlier === null || earlier === undefined ? NaN : new Date(earlier).getTime();
  const b = new Date(later).getTime();
  if (!(a < b)) {
    throw new Error(
      `timeline: expected ${what}: ${String(earlier)} to be before ${new Date(later).toISOString()}`,
    );
  }
}

export async function harness() {
  const gh: FakeGitHub = await startFakeGitHub();
  const octokit = new ProbotOctokit({ auth: { token: "t" }, baseUrl: gh.baseUrl, ...fastOctokitOptions() });
  // GitHub's clock is the pass's clock: what a pass writes is stamped with the pass's `now`.
  const pass = (entries: LogEntry[], now: string, config = testConfig(), dryRun = false) => {
    gh.setTime(now);
    return gardenRepo({ gh: octokit, ...REPO, config, source: source(entries), now: new Date(now), dryRun });
  };
  const issues = () => gh.repo(REPO.owner, REPO.repo).issues;
  /** A maintainer closes an issue at a given instant. */
  const close = (number: number, at: string, reason: "completed" | "not_planned" = "completed") => {
    gh.setTime(at);
    gh.updateIssue(number, { state: "closed", state_reason: reason });
    return gh.repo(REPO.owner, REPO.repo).issue(number)!;
  };
  return { gh, octokit, pass, issues, close };
}
