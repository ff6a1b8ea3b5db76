import type { GitHub, RepoRef } from "../github/client.js";
import { listLabelledIssues } from "../github/issues.js";
import {
  decodeDashboardState,
  encodeDashboardState,
  type DashboardState,
  type FingerprintIndex,
} from "../issue-body/dashboard-state.js";
import { MAX_BODY as GITHUB_MAX_BODY } from "../issue-body/view.js";
import { DASHBOARD_LABEL } from "../plan/existing.js";
import { render } from "../templates/render.js";

export { DASHBOARD_LABEL, decodeDashboardState, encodeDashboardState, type DashboardState };
export const DASHBOARD_TITLE = "Log Gardener dashboard";
const MAX_BODY = GITHUB_MAX_BODY - 1_024;
/** A fingerprint index larger than this share of the body is dropped: the pass then scans before creating. */
const MAX_INDEX_SHARE = 0.6;

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

export function renderDashboard(content: DashboardContent): string {
  const state: DashboardState = {
    v: 1,
    lastPass: content.lastPass.toISOString(),
    lastResult: content.result,
    issues: content.index,
  };
  let marker = encodeDashboardState(state);
  if (marker.length > MAX_BODY * MAX_INDEX_SHARE)
    marker = encodeDashboardState({ ...state, issues: undefined });
  let worklog = content.worklog;
  let trimmed = false;
  for (;;) {
    const text = render("app-dashboard", { ...content, worklog, trimmed }).trimEnd();
    const body = `${text}\n\n${marker}\n`;
    if (body.length <= MAX_BODY) return body;
    if (!worklog) return `${text.slice(0, MAX_BODY - marker.length - 10)}\n\n${marker}\n`;
    worklog = worklog.slice(0, Math.max(0, worklog.length - (body.length - MAX_BODY) - 200));
    worklog = worklog.slice(0, worklog.lastIndexOf("\n") + 1);
    trimmed = true;
  }
}

/** Writes the dashboard: created once with its marker and label, else edited only when the body changed. */
export async function writeDashboard(
  gh: GitHub,
  repo: RepoRef,
  existing: Dashboard | undefined,
  content: DashboardContent,
): Promise<Dashboard> {
  const body = renderDashboard(content);
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
