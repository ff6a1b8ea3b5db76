import type { GitHub, RepoRef } from "../../github/client.js";
import {
  setBacklogTicks,
  withDashboardState,
  type DashboardState,
} from "../../issue-body/dashboard-state.js";
import { MAX_BODY } from "../../issue-body/view.js";
import { render } from "../../templates/render.js";

/** The dashboard as a command changes it: its body and hidden state. */
export interface DashboardWork {
  body: string;
  state: DashboardState;
  changed: boolean;
}

/**
 * Asks for backlog patterns to be filed in the next pass (outside the per-pass limit): marks them in
 * the hidden state, which the pass reads, and ticks their boxes.
 */
export function requestFiling(
  work: DashboardWork,
  fingerprints: string[] | "all",
  actor: string,
  now: Date,
): { ok: boolean; text: string } {
  const backlog = work.state.backlog ?? [];
  const wanted = fingerprints === "all" ? backlog.map((e) => e.fp) : fingerprints;
  const requested: string[] = [];
  const filed: Array<{ fp: string; issue: number }> = [];
  const unknown: string[] = [];
  for (const fp of wanted) {
    const entry = backlog.find((e) => e.fp === fp || e.aliases.includes(fp));
    const issue = work.state.issues?.[fp];
    if (entry) {
      entry.requested ??= { by: actor, at: now.toISOString() };
      requested.push(entry.fp);
    } else if (issue !== undefined) filed.push({ fp, issue });
    else unknown.push(fp);
  }
  if (requested.length > 0) work.changed = true;
  const text = render("command-file", {
    requested,
    filed,
    unknown,
    empty: fingerprints === "all" && backlog.length === 0,
  })
    .split("\n")
    .map((l) => l.trim())
    .join("");
  return { ok: requested.length + filed.length > 0, text };
}

/** Writes the dashboard a command changed: its state, and its boxes in line with the requests. */
export async function writeDashboardWork(
  gh: GitHub,
  repo: RepoRef,
  issueNumber: number,
  work: DashboardWork,
): Promise<void> {
  if (!work.changed) return;
  const ticks = new Map((work.state.backlog ?? []).map((e) => [e.fp, e.requested !== undefined]));
  const body = setBacklogTicks(withDashboardState(work.body, work.state), ticks);
  if (body.length > MAX_BODY)
    throw new Error(`the body would be longer than GitHub's ${MAX_BODY} characters`);
  await gh.rest.issues.update({ ...repo, issue_number: issueNumber, body });
}
