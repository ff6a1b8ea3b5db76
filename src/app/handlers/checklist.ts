import type { Context } from "probot";
import { getIssue } from "../../github/issues.js";
import { applyTicks, readTicks, stepNamesOf } from "../../issue-body/checklist.js";
import { nextRevision, parseIssueBody, withState } from "../../issue-body/document.js";
import { withRepoLock } from "../../sync/repo-lock.js";
import { updateChecklist } from "../checklist-edit.js";
import { canWrite, isBot, sameSet } from "../github-ops.js";

/**
 * A maintainer ticked or unticked step boxes: status line, `step:N` label, progress log, and the close
 * when every step is done. The bot's own edits, edits that change no box and edits by users without
 * write permission (the same check as `/garden` commands) cause no write.
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
  const edited = parseIssueBody(issue.body);
  if (from === undefined || !edited.state) return;
  const before = readTicks(from);
  const changedSteps = edited.ticks.flatMap((t, i) => (t !== before[i] ? [i] : []));
  if (changedSteps.length === 0) return;

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
