import type { Context } from "probot";
import { getIssue } from "../../github/issues.js";
import {
  ALL_BOX,
  decodeDashboardState,
  readBacklogTicks,
  setBacklogTicks,
  withDashboardState,
} from "../../issue-body/dashboard-state.js";
import { withRepoLock } from "../../sync/repo-lock.js";
import { canWrite } from "../github-ops.js";

/**
 * Boxes of the dashboard's backlog changed by a human. A maintainer's tick asks for that pattern's issue
 * in the next pass (the `all` box for every pattern), an untick withdraws the request: both go into the
 * hidden state, which is what the pass reads, so a pass that rewrote the body meanwhile loses nothing.
 * The boxes of someone without write permission are put back.
 */
export async function onBacklogEdited(
  context: Context<"issues.edited">,
  from: string,
  now: () => Date,
): Promise<void> {
  const { issue, sender } = context.payload;
  const before = readBacklogTicks(from);
  const changed = [...readBacklogTicks(issue.body)].filter(
    ([fp, ticked]) => (before.get(fp) ?? false) !== ticked,
  );
  if (changed.length === 0) return;
  const gh = context.octokit;
  const repo = context.repo();
  const writer = await canWrite(gh, repo, sender.login);
  await withRepoLock(`${repo.owner}/${repo.repo}`.toLowerCase(), async () => {
    const fresh = await getIssue(gh, repo, issue.number);
    const state = decodeDashboardState(fresh.body);
    if (!state) return;
    let body: string;
    if (!writer) {
      const current = readBacklogTicks(fresh.body);
      const back = new Map(
        changed
          .filter(([fp, ticked]) => current.get(fp) === ticked)
          .map(([fp]) => [fp, before.get(fp) ?? false]),
      );
      body = setBacklogTicks(fresh.body, back);
      context.log.info(
        { actor: sender.login, issue: issue.number, boxes: [...back.keys()] },
        "backlog boxes put back: no write permission",
      );
    } else {
      const backlog = state.backlog ?? [];
      const request = { by: sender.login, at: now().toISOString() };
      const all = changed.some(([fp, ticked]) => fp === ALL_BOX && ticked);
      for (const entry of backlog) {
        const change = changed.find(([fp]) => fp === entry.fp);
        if (all || change?.[1] === true) entry.requested ??= request;
        else if (change?.[1] === false) delete entry.requested;
      }
      const ticks = new Map(backlog.map((e) => [e.fp, e.requested !== undefined]));
      ticks.set(ALL_BOX, false);
      body = setBacklogTicks(withDashboardState(fresh.body, state), ticks);
      context.log.info({ actor: sender.login, issue: issue.number, changed }, "backlog requests updated");
    }
    if (body !== fresh.body) await gh.rest.issues.update({ ...repo, issue_number: issue.number, body });
  });
}
