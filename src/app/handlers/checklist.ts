import type { Context } from "probot";
import type { GitHub, RepoRef } from "../../github/client.js";
import { getIssue } from "../../github/issues.js";
import { applyTicks, readTicks, stepNamesOf, withStatusLine } from "../../issue-body/checklist.js";
import { isDashboard } from "../../issue-body/dashboard-state.js";
import { nextRevision, parseIssueBody, withState } from "../../issue-body/document.js";
import { withRepoLock } from "../../sync/repo-lock.js";
import { updateChecklist } from "../checklist-edit.js";
import { canWrite, isBot, sameSet } from "../github-ops.js";
import { onBacklogEdited } from "./backlog.js";

const lockKey = (repo: RepoRef) => `${repo.owner}/${repo.repo}`.toLowerCase();

/**
 * Boxes ticked or unticked by someone without write permission are put back (those a later edit did
 * not change again), so no pass reads them as progress. Returns the steps put back.
 */
async function putBackSteps(
  gh: GitHub,
  repo: RepoRef,
  issueNumber: number,
  steps: number[],
  before: boolean[],
  edited: boolean[],
): Promise<number[]> {
  return withRepoLock(lockKey(repo), async () => {
    const fresh = await getIssue(gh, repo, issueNumber);
    const doc = parseIssueBody(fresh.body);
    if (!doc.state) return [];
    const ticks = [...doc.ticks];
    const restored = steps.filter((step) => ticks[step] === edited[step]);
    if (restored.length === 0) return [];
    for (const step of restored) ticks[step] = before[step];
    const body = withStatusLine(applyTicks(fresh.body, ticks), ticks);
    await gh.rest.issues.update({
      ...repo,
      issue_number: issueNumber,
      body: withState(body, nextRevision(doc.state)),
    });
    return restored;
  });
}

/**
 * A maintainer ticked or unticked step boxes: status line, `step:N` label, progress log, and the close
 * when every step is done. The bot's own edits and edits that change no box cause no write. Boxes
 * changed by users without write permission (the same check as `/garden` commands) are put back. On
 * the dashboard, the boxes are the backlog's (see `onBacklogEdited`).
 *
 * GitHub has no conditional write for an issue body, so a write of the bot (a pass, a command) that read
 * the body just before the human's edit puts the old boxes back. The event still holds what the human
 * did: when the state's revision moved since the edited body and a box the human changed is back at its
 * old value, the human's change is applied again.
 */
export async function onIssueEdited(context: Context<"issues.edited">, now: () => Date): Promise<void> {
  const { issue, sender, changes } = context.payload;
  if (isBot(sender)) return;
  const from = changes.body?.from;
  if (from === undefined) return;
  if (isDashboard(issue.body)) return onBacklogEdited(context, from, now);
  const edited = parseIssueBody(issue.body);
  if (!edited.state) return;
  const before = readTicks(from);
  const changedSteps = edited.ticks.flatMap((t, i) => (t !== before[i] ? [i] : []));
  if (changedSteps.length === 0) return;

  const gh = context.octokit;
  const repo = context.repo();
  if (!(await canWrite(gh, repo, sender.login))) {
    const restored = await putBackSteps(gh, repo, issue.number, changedSteps, before, edited.ticks);
    context.log.info(
      { actor: sender.login, issue: issue.number, restored },
      "checklist edit put back: no write permission",
    );
    return;
  }
  // the read and the write under the repo lock, so a running pass and this edit never interleave
  await withRepoLock(lockKey(repo), async () => {
    const fresh = await getIssue(gh, repo, issue.number);
    const doc = parseIssueBody(fresh.body);
    if (!doc.state) return;
    let body = fresh.body;
    const restored: number[] = [];
    if ((doc.state.rev ?? 0) !== (edited.state!.rev ?? 0)) {
      const ticks = [...doc.ticks];
      for (const step of changedSteps) {
        if (ticks[step] !== before[step]) continue;
        ticks[step] = edited.ticks[step];
        restored.push(step);
      }
      if (restored.length > 0) body = applyTicks(body, ticks);
    }
    const change = updateChecklist({
      body,
      before,
      labels: fresh.labels,
      open: fresh.state === "open",
      actor: sender.login,
      now: now(),
      stepNames: stepNamesOf(body),
    });
    const patch: Record<string, unknown> = {};
    if (change.body !== fresh.body) patch.body = withState(change.body, nextRevision(doc.state));
    if (!sameSet(change.labels, fresh.labels)) patch.labels = change.labels;
    if (change.close) Object.assign(patch, { state: "closed", state_reason: "completed" });
    if (Object.keys(patch).length === 0) return;
    await gh.rest.issues.update(context.issue(patch));
    context.log.info(
      { issue: issue.number, changes: change.changes, closed: change.close, restored },
      "checklist updated",
    );
  });
}
