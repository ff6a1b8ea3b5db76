import { applyTicks, readTicks, statusLine } from "../issue-body/checklist.js";
import { mergeBody } from "../issue-body/marker.js";
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
  failures: Array<{ fingerprint: string; issue?: number; action: string; error: string }>;
  /** Actions left for a later pass because the write budget ran out. */
  postponed: Action[];
  writes: number;
}

const BOT_SECTIONS = ["summary", "checklist"];
const STATUS_RE = /\*\*Status: [^*]*\*\*/;

type Group = { key: string; actions: Action[] };

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

function cost(group: Group): number {
  return group.actions.reduce((n, a) => n + (a.kind === "label" ? a.add.length + a.remove.length : 1), 0);
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
    failures: [],
    postponed: [],
    writes: 0,
  };
  let knownLabels: Set<string> | undefined;
  const labels = async (names: string[]) => {
    knownLabels ??= await listLabelNames(gh, repo);
    result.writes += await ensureLabels(gh, repo, names, knownLabels);
  };

  for (const group of groups(plan)) {
    if (result.writes + cost(group) > maxWrites) {
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
      const { data } = await gh.rest.issues.create({
        ...repo,
        title: action.title,
        body: action.body,
        labels: action.labels,
      });
      result.writes++;
      result.created.push({ fingerprint: action.fingerprint, number: data.number, url: data.html_url });
      return;
    }
    case "update": {
      // Re-read right before writing: a human may have ticked a box or edited the body meanwhile.
      const current = await getIssue(gh, repo, action.issue);
      const ticks = readTicks(current.body, 7);
      const merged = applyTicks(mergeBody(current.body, action.body, BOT_SECTIONS), ticks).replace(
        STATUS_RE,
        `**Status: ${statusLine(ticks)}**`,
      );
      const reopen = group.actions.some((a) => a.kind === "reopen");
      const title = action.title && action.title !== current.title ? action.title : undefined;
      if (merged === current.body && !reopen && !title) {
        result.unchanged.push(action.issue);
        return;
      }
      await gh.rest.issues.update({
        ...repo,
        issue_number: action.issue,
        body: merged,
        ...(title ? { title } : {}),
        ...(reopen ? { state: "open" as const, state_reason: "reopened" as const } : {}),
      });
      result.writes++;
      result.updated.push(action.issue);
      if (reopen) result.reopened.push(action.issue);
      return;
    }
    case "reopen":
      if (!result.reopened.includes(action.issue)) {
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
