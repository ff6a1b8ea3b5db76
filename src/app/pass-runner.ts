import { systemClock } from "../clock.js";
import { parseDuration } from "../config/duration.js";
import { nextRun } from "../config/schedule.js";
import type { GitHub } from "../github/client.js";
import { render } from "../templates/render.js";
import type { AllowList } from "./allow-list.js";
import { dashboardMemory, findDashboard, writeDashboard, type Dashboard } from "./dashboard.js";
import type { GardenFn } from "./garden.js";
import type { SourceReader } from "../pass/analyze.js";
import type { ReadLogs } from "../pass/cloud-source.js";
import { loadRepoConfig } from "./repo-config.js";

export type PassStatus =
  "ran" | "not-due" | "not-configured" | "config-error" | "refused" | "failed" | "busy";

export interface RepoPassResult {
  repo: string;
  status: PassStatus;
  message?: string;
  failures?: string[];
  dashboard?: number;
  lastPass?: string;
  nextDue?: string;
  /** The schedule the due time follows (the repo's, or hourly when its config is broken). */
  schedule?: string;
}

export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface PassDeps {
  allowList: AllowList;
  readLogs: ReadLogs;
  garden: GardenFn;
  now?: () => Date;
  log?: Logger;
  /** Run even when the repo's schedule says the next pass is not due yet (`/garden run`). */
  force?: boolean;
  /** Issues whose samples are re-rendered even when nothing new was counted (`/garden samples`). */
  refresh?: number[];
  /**
   * A failed issue sync throws instead of being reported, because the caller tries again (the queue's
   * retries with backoff); its last try leaves this unset, so the failure reaches the dashboard.
   */
  retryable?: boolean;
}

const DEFAULT_SCHEDULE = "hourly";
const message = (e: unknown) => (e instanceof Error ? e.message : String(e)).split("\n")[0].slice(0, 500);

/**
 * One repo's pass: config (validated, allow-listed), the due check against the last pass stored in the
 * dashboard issue, reading the logs, the issue sync, then the dashboard. Problems are reported on the
 * dashboard and in the result; only GitHub failures outside the sync throw.
 */
export async function runRepoPass(
  gh: GitHub,
  owner: string,
  repo: string,
  deps: PassDeps,
): Promise<RepoPassResult> {
  const now = (deps.now ?? systemClock)();
  const ref = { owner, repo };
  const full = `${owner}/${repo}`;
  const log = deps.log;
  const loaded = await loadRepoConfig(gh, ref, deps.allowList);
  if (loaded.kind === "missing")
    return { repo: full, status: "not-configured", message: "no .github/log-gardener.yml" };
  const dashboard = await findDashboard(gh, ref);
  const schedule = loaded.kind === "ok" ? loaded.config.schedule : DEFAULT_SCHEDULE;
  const last = dashboard?.state.lastPass ? new Date(dashboard.state.lastPass) : undefined;
  const due = last && !Number.isNaN(last.getTime()) ? nextRun(schedule, last) : now;
  if (!deps.force && due > now) {
    return {
      repo: full,
      status: "not-due",
      lastPass: last?.toISOString(),
      nextDue: due.toISOString(),
      schedule,
      dashboard: dashboard?.number,
    };
  }
  const nextDue = nextRun(schedule, now);
  const report = async (
    d: Dashboard | undefined,
    status: PassStatus,
    extra: Partial<Parameters<typeof writeDashboard>[3]>,
  ) => {
    const written = await writeDashboard(gh, ref, d, {
      result: render("app-pass-result", { status, count: extra.failures?.length ?? 0 }).trim(),
      lastPass: now,
      nextDue,
      schedule,
      failures: [],
      configErrors: [],
      ...extra,
    });
    return written.number;
  };

  if (loaded.kind !== "ok") {
    const status = loaded.kind === "refused" ? "refused" : "config-error";
    log?.warn({ repo: full, errors: loaded.errors }, `config of ${full}: ${status}`);
    const number = await report(dashboard, status, {
      configErrors: loaded.errors,
      index: dashboard?.state.issues,
      memory: dashboardMemory(dashboard?.state),
    });
    return {
      repo: full,
      status,
      message: loaded.errors.join("; "),
      dashboard: number,
      lastPass: now.toISOString(),
      nextDue: nextDue.toISOString(),
      schedule,
    };
  }

  const config = loaded.config as typeof loaded.config & { project: string };
  const from = new Date(now.getTime() - (parseDuration(config.window) ?? 6 * 3_600_000));
  let worklog: string | undefined;
  let failures: string[] = [];
  // the index lives in the dashboard: without one kept up to date, the pass scans before creating
  let index = config.dashboard.enabled ? dashboard?.state.issues : undefined;
  // so do the backlog and the passes; without a dashboard, deferred patterns are found again in the logs
  let memory = config.dashboard.enabled ? dashboardMemory(dashboard?.state) : undefined;
  let status: PassStatus = "ran";
  try {
    // Read once the sync knows the issues: a store that counts needs their cursors (see tally-counting).
    const source: SourceReader = (hints) => deps.readLogs(config, { from, to: now }, hints);
    const args = { gh, owner, repo, config, source, now, refresh: deps.refresh, index, memory };
    const outcome = await deps.garden(args);
    worklog = render("worklog", outcome.worklog);
    index = outcome.index ?? index;
    memory = outcome.memory ?? memory;
    failures = outcome.failures;
  } catch (error) {
    if (deps.retryable) throw error;
    status = "failed";
    failures = [message(error)];
    log?.error({ repo: full, err: error }, `pass of ${full} failed`);
  }
  const result: RepoPassResult = {
    repo: full,
    status,
    failures,
    lastPass: now.toISOString(),
    nextDue: nextDue.toISOString(),
    schedule,
    ...(status === "failed" ? { message: failures[0] } : {}),
  };
  if (config.dashboard.enabled) {
    const maxNewPerPass = config.issues.maxNewPerPass;
    result.dashboard = await report(dashboard, status, { worklog, failures, index, memory, maxNewPerPass });
  }
  log?.info({ repo: full, status, failures: failures.length }, `pass of ${full}: ${status}`);
  return result;
}
