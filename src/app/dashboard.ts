import type { GitHub, RepoRef } from "../github/client.js";
import { getIssue, listLabelledIssues } from "../github/issues.js";
import {
  decodeDashboardState,
  encodeDashboardState,
  type DashboardState,
  type FingerprintIndex,
} from "../issue-body/dashboard-state.js";
import { packBacklogEntry, type BacklogEntry } from "../issue-body/intake-state.js";
import { commentSafeJson } from "../issue-body/marker.js";
import { MAX_BODY as GITHUB_MAX_BODY } from "../issue-body/view.js";
import { DASHBOARD_LABEL } from "../plan/existing.js";
import { truncate } from "../safety/markdown.js";
import type { DashboardMemory } from "../sync/garden-sync.js";
import { withRepoLock } from "../sync/repo-lock.js";
import { stormView } from "../sync/storm-notice.js";
import { render } from "../templates/render.js";

export { DASHBOARD_LABEL, decodeDashboardState, encodeDashboardState, type DashboardState };
export const DASHBOARD_TITLE = "Log Gardener dashboard";
const MAX_BODY = GITHUB_MAX_BODY - 1_024;
/** A fingerprint index larger than this share of the body is dropped: the pass then scans before creating. */
const MAX_INDEX_SHARE = 0.4;
/** The hidden state (index, backlog, passes, storms) may take this share of the body. */
const MAX_MARKER_SHARE = 0.6;
/** The backlog's checklist may take this share of the body; the rest of the backlog stays hidden. */
const MAX_CHECKLIST_SHARE = 0.25;

export interface Dashboard {
  number: number;
  body: string;
  state: DashboardState;
}

export interface DashboardContent {
  result: string;
  lastPass: Date;
  nextDue?: Date;
  schedule?: string;
  worklog?: string;
  failures: string[];
  configErrors: string[];
  /** The fingerprint index the pass left (or the one it had, when it did not run). */
  index?: FingerprintIndex;
  /** The backlog, passes and storms the pass left (or those it had, when it did not run). */
  memory?: DashboardMemory;
  /** `issues.maxNewPerPass`, for the backlog's explanation. */
  maxNewPerPass?: number;
}

/** What the dashboard keeps for new patterns, read from its state. */
export function dashboardMemory(state: DashboardState | undefined): DashboardMemory {
  return {
    backlog: state?.backlog ?? [],
    passes: state?.passes ?? [],
    storms: state?.storms ?? [],
  };
}

/** The repo's dashboard: labelled and carrying the marker; the open one, else the oldest. */
export async function findDashboard(gh: GitHub, repo: RepoRef): Promise<Dashboard | undefined> {
  const issues = await listLabelledIssues(gh, repo, DASHBOARD_LABEL);
  const found = issues
    .map((i) => ({
      number: i.number,
      open: i.state === "open",
      body: i.body,
      state: decodeDashboardState(i.body),
    }))
    .filter((i): i is typeof i & { state: DashboardState } => i.state !== undefined)
    .sort((a, b) => Number(b.open) - Number(a.open) || a.number - b.number);
  return found[0] && { number: found[0].number, body: found[0].body, state: found[0].state };
}

/** The hidden state, fitted: an index too large is dropped, then the backlog's last entries. */
function fittedState(content: DashboardContent): DashboardState {
  const memory = content.memory ?? {};
  const state: DashboardState = {
    v: 1,
    lastPass: content.lastPass.toISOString(),
    lastResult: content.result,
    issues: content.index,
    ...(memory.passes?.length ? { passes: memory.passes } : {}),
    ...(memory.storms?.length ? { storms: memory.storms } : {}),
  };
  if (encodeDashboardState(state).length > MAX_BODY * MAX_INDEX_SHARE) state.issues = undefined;
  const backlog = memory.backlog ?? [];
  const room = MAX_BODY * MAX_MARKER_SHARE - encodeDashboardState(state).length - 40;
  // keep the backlog in filing order as long as it fits; what does not is found again in the logs
  let size = 0;
  let kept = 0;
  for (const entry of backlog) {
    size += commentSafeJson(packBacklogEntry(entry)).length + 1;
    if (size > room) break;
    kept++;
  }
  const overflow = backlog.length - kept;
  if (kept > 0) state.backlog = backlog.slice(0, kept);
  if (overflow > 0) state.overflow = overflow;
  return state;
}

function backlogLine(entry: BacklogEntry, stormBorn: Set<string>) {
  return {
    fp: entry.fp,
    priority: entry.priority,
    count: entry.total,
    service: entry.service,
    template: truncate(entry.template, 120),
    since: entry.deferredAt,
    requested: entry.requested,
    stormBorn: stormBorn.has(entry.fp),
  };
}

function backlogSection(state: DashboardState, maxNewPerPass: number | undefined): string {
  const backlog = state.backlog ?? [];
  if (backlog.length === 0 && !state.overflow) return "";
  const stormBorn = new Set((state.storms ?? []).flatMap((s) => s.born));
  const budget = MAX_BODY * MAX_CHECKLIST_SHARE;
  const lines = backlog.map((e) => backlogLine(e, stormBorn));
  let shown = lines.length;
  const view = () => ({
    entries: lines.slice(0, shown),
    hidden: lines.length - shown,
    overflow: state.overflow,
    total: lines.length + (state.overflow ?? 0),
    max: maxNewPerPass,
  });
  let text = render("dashboard-backlog", view());
  while (text.length > budget && shown > 0) {
    shown = Math.max(0, shown - Math.max(1, Math.ceil((shown * (text.length - budget)) / text.length)));
    text = render("dashboard-backlog", view());
  }
  return text.trim();
}

function stormSection(state: DashboardState): string {
  const storm = (state.storms ?? []).find((s) => !s.endedAt || s.endedAt === state.lastPass);
  return storm ? render("storm-notice", stormView(storm, true)).trim() : "";
}

export function renderDashboard(content: DashboardContent): string {
  const state = fittedState(content);
  const marker = encodeDashboardState(state);
  const sections = { storm: stormSection(state), backlog: backlogSection(state, content.maxNewPerPass) };
  let worklog = content.worklog;
  let trimmed = false;
  for (;;) {
    const text = render("app-dashboard", { ...content, ...sections, worklog, trimmed }).trimEnd();
    const body = `${text}\n\n${marker}\n`;
    if (body.length <= MAX_BODY) return body;
    if (!worklog) return `${text.slice(0, MAX_BODY - marker.length - 10)}\n\n${marker}\n`;
    worklog = worklog.slice(0, Math.max(0, worklog.length - (body.length - MAX_BODY) - 200));
    worklog = worklog.slice(0, worklog.lastIndexOf("\n") + 1);
    trimmed = true;
  }
}

/**
 * A maintainer's requests (ticks, `/garden file`) are written to the dashboard while a pass runs: they
 * are read again just before the pass writes, so none is lost. A request for a pattern the pass filed
 * is done; one for a pattern still waiting is kept.
 */
async function withCurrentRequests(
  gh: GitHub,
  repo: RepoRef,
  existing: Dashboard,
  content: DashboardContent,
): Promise<DashboardContent> {
  const backlog = content.memory?.backlog;
  if (!backlog?.length) return content;
  const current = decodeDashboardState((await getIssue(gh, repo, existing.number)).body);
  if (!current?.backlog) return content;
  const requested = new Map(current.backlog.map((e) => [e.fp, e.requested]));
  const merged = backlog.map((e) => {
    if (!requested.has(e.fp)) return e;
    const { requested: _old, ...rest } = e;
    const now = requested.get(e.fp);
    return now ? { ...rest, requested: now } : rest;
  });
  return { ...content, memory: { ...content.memory, backlog: merged } };
}

/**
 * Writes the dashboard: created once with its marker and label, else edited only when the body changed.
 * The re-read and the write run under the repo lock, so a tick or a command handled meanwhile in this
 * process comes either before the re-read or after the write.
 */
export function writeDashboard(
  gh: GitHub,
  repo: RepoRef,
  existing: Dashboard | undefined,
  content: DashboardContent,
): Promise<Dashboard> {
  return withRepoLock(`${repo.owner}/${repo.repo}`.toLowerCase(), () => write(gh, repo, existing, content));
}

async function write(
  gh: GitHub,
  repo: RepoRef,
  existing: Dashboard | undefined,
  content: DashboardContent,
): Promise<Dashboard> {
  const final = existing ? await withCurrentRequests(gh, repo, existing, content) : content;
  const body = renderDashboard(final);
  const state = decodeDashboardState(body)!;
  if (!existing) {
    const { data } = await gh.rest.issues.create({
      ...repo,
      title: DASHBOARD_TITLE,
      body,
      labels: [DASHBOARD_LABEL],
    });
    return { number: data.number, body, state };
  }
  if (existing.body !== body) await gh.rest.issues.update({ ...repo, issue_number: existing.number, body });
  return { number: existing.number, body, state };
}
