import type { Context } from "probot";
import { readTicks, STEP_COUNT } from "../../issue-body/checklist.js";
import { decodeState } from "../../issue-body/marker.js";
import { stepNamesOf, updateChecklist } from "../checklist-edit.js";
import { withRepoLock } from "../../sync/repo-lock.js";
import { labelNames } from "../../github/issues.js";
import { canWrite, isBot, sameSet } from "../github-ops.js";

/**
 * A maintainer ticked or unticked step boxes: status line, `step:N` label, progress log, and the close
 * when every step is done. The bot's own edits, edits that change no box and edits by users without
 * write permission (the same check as `/garden` commands) cause no write.
 */
export async function onIssueEdited(context: Context<"issues.edited">, now: () => Date): Promise<void> {
  const { issue, sender, changes } = context.payload;
  if (isBot(sender)) return;
  const from = changes.body?.from;
  if (from === undefined || !decodeState(issue.body)?.ok) return;
  const before = readTicks(from, STEP_COUNT);
  if (readTicks(issue.body ?? "", STEP_COUNT).every((t, i) => t === before[i])) return;

  const gh = context.octokit;
  const repo = context.repo();
  if (!(await canWrite(gh, repo, sender.login))) {
    context.log.info(
      { actor: sender.login, issue: issue.number },
      "checklist edit ignored: no write permission",
    );
    return;
  }
  // the read and the write under the repo lock, so a running pass and this edit never interleave
  await withRepoLock(`${repo.owner}/${repo.repo}`.toLowerCase(), async () => {
    const { data: fresh } = await gh.rest.issues.get(context.issue());
    const body = fresh.body ?? "";
    const labels = labelNames(fresh.labels);
    const change = updateChecklist({
      body,
      before,
      labels,
      open: fresh.state === "open",
      actor: sender.login,
      now: now(),
      stepNames: stepNamesOf(body),
    });
    const patch: Record<string, unknown> = {};
    if (change.body !== body) patch.body = change.body;
    if (!sameSet(change.labels, labels)) patch.labels = change.labels;
    if (change.close) Object.assign(patch, { state: "closed", state_reason: "completed" });
    if (Object.keys(patch).length === 0) return;
    await gh.rest.issues.update(context.issue(patch));
    context.log.info(
      { issue: issue.number, changes: change.changes, closed: change.close },
      "checklist updated",
    );
  });
}
