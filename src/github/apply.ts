import { mergeIssueBody, mergeState, nextRevision, parseIssueBody } from "../issue-body/document.js";
import { decodeState } from "../issue-body/marker.js";
import { MAX_BODY } from "../issue-body/view.js";
import type { Action, Plan } from "../plan/plan.js";
import type { GitHub, RepoRef } from "./client.js";
import { ensureLabels, getIssue, listLabelNames } from "./issues.js";

export interface ApplyResult {
  created: Array<{ fingerprint: string; number: number; url: string }>;
  updated: number[];
  unchanged: number[];
  reopened: number[];
  commented: number[];
  labelled: number[];
  /** Issues this pass filed and closed again: a concurrent pass had filed the same pattern first. */
  duplicates: Array<{ issue: number; of: number; fingerprint: string }>;
  failures: Array<{ fingerprint: string; issue?: number; action: string; error: string }>;
  /** Actions left for a later pass because the write budget ran out. */
  postponed: Action[];
  writes: number;
}

type Group = { key: string; actions: Action[]; regressionCancelled?: boolean };

/** Regressions first, then new issues in plan order, then the rest: the budget goes to what matters most. */
function groups(plan: Plan): Group[] {
  const byKey = new Map<string, Group>();
  for (const action of plan.actions) {
    const key = action.kind === "create" ? `new:${action.fingerprint}` : `#${action.issue}`;
    const group = byKey.get(key) ?? { key, actions: [] };
    group.actions.push(action);
    byKey.set(key, group);
  }
  const rank = (g: Group) =>
    g.actions.some((a) => a.kind === "reopen") ? 0 : g.actions.some((a) => a.kind === "create") ? 1 : 2;
  return [...byKey.values()].sort((a, b) => rank(a) - rank(b));
}

/** Writes a group makes, the labels it still has to create included. */
function cost(group: Group, missingLabels: (names: string[]) => number): number {
  return group.actions.reduce((n, a) => {
    if (a.kind === "create") return n + 1 + missingLabels(a.labels);
    if (a.kind === "label") return n + a.add.length + a.remove.length + missingLabels(a.add);
    return n + 1;
  }, 0);
}

/** Applies a plan: one issue's failure is recorded and the others go on; the next pass catches up. */
export async function applyPlan(
  gh: GitHub,
  repo: RepoRef,
  plan: Plan,
  maxWrites: number,
): Promise<ApplyResult> {
  const result: ApplyResult = {
    created: [],
    updated: [],
    unchanged: [],
    reopened: [],
    commented: [],
    labelled: [],
    duplicates: [],
    failures: [],
    postponed: [],
    writes: 0,
  };
  const needsLabels = plan.actions.some((a) => a.kind === "create" || a.kind === "label");
  const known = needsLabels ? await listLabelNames(gh, repo) : new Set<string>();
  const missing = (names: string[]) => names.filter((n) => !known.has(n.toLowerCase())).length;
  const labels = async (names: string[]) => {
    result.writes += await ensureLabels(gh, repo, names, known);
  };

  for (const group of groups(plan)) {
    if (result.writes + cost(group, missing) > maxWrites) {
      result.postponed.push(...group.actions);
      continue;
    }
    for (const action of group.actions) {
      try {
        await applyAction(gh, repo, action, group, result, labels);
      } catch (error) {
        const status = (error as { status?: number }).status;
        result.failures.push({
          fingerprint: action.fingerprint,
          issue: action.kind === "create" ? undefined : action.issue,
          action: action.kind,
          error: `${status ? `HTTP ${status}: ` : ""}${(error as Error).message.split("\n")[0]}`,
        });
        break; // the rest of this issue's actions depend on this one
      }
    }
  }
  return result;
}

async function applyAction(
  gh: GitHub,
  repo: RepoRef,
  action: Action,
  group: Group,
  result: ApplyResult,
  labels: (names: string[]) => Promise<void>,
): Promise<void> {
  switch (action.kind) {
    case "create": {
      await labels(action.labels);
      // No automatic retry: a create whose answer was lost would be filed twice. The next pass lists the
      // issues again and files it only if it is really missing.
      const { data } = await gh.rest.issues.create({
        ...repo,
        title: action.title,
        body: action.body,
        labels: action.labels,
        request: { retries: 0 },
      });
      result.writes++;
      result.created.push({ fingerprint: action.fingerprint, number: data.number, url: data.html_url });
      return;
    }
    case "update": {
      // Re-read right before writing: a human may have ticked a box, edited the body or run a command.
      const current = await getIssue(gh, repo, action.issue);
      const doc = parseIssueBody(current.body);
      const planned = decodeState(action.body);
      if (!doc.state || !planned?.ok) {
        throw new Error(
          `the issue's state marker was damaged meanwhile (${doc.damage.join("; ")}); not written`,
        );
      }
      const merged = mergeState(action.base, planned.state, doc.state);
      let body = mergeIssueBody(doc, action.body, merged);
      if (body !== current.body) body = mergeIssueBody(doc, action.body, nextRevision(merged, doc.state));
      if (body.length > MAX_BODY) {
        throw new Error(`the body would exceed ${MAX_BODY} characters; the next pass leaves more room`);
      }
      const stillClosed = current.state === "closed";
      const closedForGood = current.stateReason === "not_planned" || current.stateReason === "duplicate";
      if (group.actions.some((a) => a.kind === "reopen") && (!stillClosed || closedForGood)) {
        group.regressionCancelled = true; // reopened or ignored by a human since the issues were listed
      }
      const reopen = group.actions.some((a) => a.kind === "reopen") && !group.regressionCancelled;
      const title = action.title && action.title !== current.title ? action.title : undefined;
      if (body === current.body && !reopen && !title) {
        result.unchanged.push(action.issue);
        return;
      }
      await gh.rest.issues.update({
        ...repo,
        issue_number: action.issue,
        body,
        ...(title ? { title } : {}),
        ...(reopen ? { state: "open" as const, state_reason: "reopened" as const } : {}),
      });
      result.writes++;
      result.updated.push(action.issue);
      if (reopen) result.reopened.push(action.issue);
      return;
    }
    case "reopen":
      if (!result.reopened.includes(action.issue) && !group.regressionCancelled) {
        await gh.rest.issues.update({
          ...repo,
          issue_number: action.issue,
          state: "open",
          state_reason: "reopened",
        });
        result.writes++;
        result.reopened.push(action.issue);
      }
      return;
    case "comment":
      if (group.regressionCancelled) return;
      await gh.rest.issues.createComment({ ...repo, issue_number: action.issue, body: action.body });
      result.writes++;
      result.commented.push(action.issue);
      return;
    case "label":
      await labels(action.add);
      await gh.rest.issues.addLabels({ ...repo, issue_number: action.issue, labels: action.add });
      result.writes++;
      for (const name of action.remove) {
        await gh.rest.issues.removeLabel({ ...repo, issue_number: action.issue, name }).catch((error) => {
          if ((error as { status?: number }).status !== 404) throw error;
        });
        result.writes++;
      }
      result.labelled.push(action.issue);
  }
}
