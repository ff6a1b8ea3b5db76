import type { GardenerConfig } from "../config/schema.js";
import { statusOutOfDate } from "../issue-body/checklist.js";
import { stateBase } from "../issue-body/document.js";
import { priorityLabel } from "../issue-body/format.js";
import type { IssueState } from "../issue-body/marker.js";
import { issueTitle } from "../issue-body/view.js";
import type { Redactor } from "../safety/redact.js";
import { render } from "../templates/render.js";
import type { TriagedCluster } from "../triage/triage.js";
import type { TrackedIssue } from "./existing.js";
import { labelChanges } from "./labels.js";
import type { Action } from "./plan.js";
import { countedAfter, countGroup, mergeGroup, nextState } from "./state.js";

export interface ExistingContext {
  config: GardenerConfig;
  now: Date;
  graceMs: number;
  redactor: Redactor;
  refresh?: Set<number>;
  /** See PlanInput.readFrom. */
  readFrom?: number;
  body: (cluster: TriagedCluster, state: IssueState, thisRun: number, current?: string) => string;
  /** A regression under the new-issue policy: the caller files it within the pass's budget. */
  regression: (cluster: TriagedCluster, state: IssueState, issue: TrackedIssue) => void;
}

const MIN_HISTORY_FOR_SPIKE = 3;
const MIN_SPIKE_COUNT = 10;

function isSnoozed(state: IssueState, now: Date): boolean {
  const s = state.snooze;
  return !!s && ((!!s.until && new Date(s.until) > now) || (!!s.occurrences && s.occurrences > 0));
}

/** The actions for one existing issue and the clusters that belong to it; nothing at all if nothing is new. */
export function planExisting(group: TriagedCluster[], issue: TrackedIssue, ctx: ExistingContext): Action[] {
  const { config, now } = ctx;
  const previous = issue.marker;
  const fp = previous.fp;
  const cluster = mergeGroup(group, config.issues.samples);
  const counting = countGroup(group, previous, ctx.readFrom);
  const counted = counting.n;
  const base = stateBase(previous);
  if (counted === 0) {
    // Nothing new: no write at all, unless the labels lost the bot's, the body needs a repair, a
    // maintainer asked for fresh samples, or ticked boxes that no webhook reported (the Action and the
    // CLI): then only the status line is rewritten, on apply.
    const actions: Action[] = [];
    const relabel = labelChanges(previous, issue.labels, config);
    if (!issue.labels.includes(config.labels.bot)) actions.push(labelAction(issue, fp, relabel, []));
    const reason =
      issue.damage.length > 0
        ? `repaired: ${issue.damage.join("; ")}`
        : ctx.refresh?.has(issue.number)
          ? "samples refreshed on request"
          : undefined;
    if (reason) {
      const body = ctx.body(cluster, previous, 0, issue.body);
      actions.push({ kind: "update", issue: issue.number, fingerprint: fp, body, base, reason });
    } else if (statusOutOfDate(issue.body)) {
      actions.push({
        kind: "update",
        issue: issue.number,
        fingerprint: fp,
        body: issue.body,
        base,
        reason: "checklist ticked",
      });
    }
    return actions;
  }
  const state = nextState(cluster, counting, config, ctx.redactor, now, previous);
  const snoozedBefore = isSnoozed(previous, now);
  if (state.snooze?.occurrences) {
    const left = state.snooze.occurrences - counted;
    state.snooze = left > 0 ? { ...state.snooze, occurrences: left } : undefined;
  }

  const closed = issue.state === "closed";
  const ignored =
    issue.labels.includes(config.labels.ignored) ||
    issue.stateReason === "not_planned" ||
    issue.stateReason === "duplicate";
  const closedAt = issue.closedAt ? Date.parse(issue.closedAt) : undefined;
  const regressed =
    closed && !ignored && closedAt !== undefined
      ? countedAfter(counting, cluster, closedAt + ctx.graceMs)
      : { n: 0, cluster };
  const ping = !snoozedBefore && !ignored;

  if (regressed.n > 0 && ping && config.regression.policy === "new-issue") {
    ctx.regression(regressed.cluster, state, issue);
    return [];
  }

  const actions: Action[] = [];
  // A human who changed the priority label or pinned it with /garden priority keeps it.
  const botPriority = !previous.priorityPinned && issue.labels.includes(priorityLabel(previous.priority));
  const raised = botPriority && cluster.triage.priority < previous.priority;
  let title: string | undefined;
  const labels = labelChanges(state, issue.labels, config);
  const priorityLabels = { add: [] as string[], remove: [] as string[] };
  if (raised) {
    state.priority = cluster.triage.priority;
    if (issue.title === issueTitle(previous, ctx.redactor)) title = issueTitle(state, ctx.redactor);
    priorityLabels.add.push(priorityLabel(state.priority));
    priorityLabels.remove.push(priorityLabel(previous.priority));
  }
  const relabel = {
    add: [...labels.add, ...priorityLabels.add],
    remove: [...labels.remove, ...priorityLabels.remove],
  };
  if (relabel.add.length + relabel.remove.length > 0) {
    const why = raised ? [`priority raised from ${previous.priority} to ${state.priority}`] : [];
    actions.push(labelAction(issue, fp, relabel, why));
  }
  actions.push({
    kind: "update",
    issue: issue.number,
    fingerprint: fp,
    body: ctx.body(cluster, state, counted, issue.body),
    title,
    base,
    reason: [
      `${counted} new occurrence(s), ${state.total} in total`,
      ...(issue.damage.length > 0 ? [`repaired: ${issue.damage.join("; ")}`] : []),
    ].join("; "),
  });

  if (!ping || (closed && !(regressed.n > 0 && config.regression.policy === "reopen"))) return actions;
  if (regressed.n > 0) {
    actions.push({ kind: "reopen", issue: issue.number, fingerprint: fp, reason: "regression" });
    actions.push({
      kind: "comment",
      issue: issue.number,
      fingerprint: fp,
      body: render("comment-regression", { count: regressed.n, closedAt: issue.closedAt }),
      reason: `regressed: ${regressed.n} occurrence(s) since the close`,
    });
  } else if (raised) {
    actions.push({
      kind: "comment",
      issue: issue.number,
      fingerprint: fp,
      body: render("comment-priority", {
        from: previous.priority,
        to: state.priority,
        rule: cluster.triage.reason,
      }),
      reason: "priority raised by a rule",
    });
  } else {
    const spike = spikeComment(previous, counted, config);
    if (spike) actions.push({ kind: "comment", issue: issue.number, fingerprint: fp, ...spike });
  }
  return actions;
}

function labelAction(
  issue: TrackedIssue,
  fingerprint: string,
  change: { add: string[]; remove: string[] },
  why: string[],
): Action {
  const reasons = [
    ...why,
    ...(change.add.length ? [`labels added: ${change.add.join(", ")}`] : []),
    ...(change.remove.length ? [`labels removed: ${change.remove.join(", ")}`] : []),
  ];
  return { kind: "label", issue: issue.number, fingerprint, ...change, reason: reasons.join("; ") };
}

function spikeComment(previous: IssueState, count: number, config: GardenerConfig) {
  if (previous.history.length < MIN_HISTORY_FOR_SPIKE || count < MIN_SPIKE_COUNT) return undefined;
  const usual = previous.history.reduce((s, r) => s + r.count, 0) / previous.history.length;
  if (count < config.issues.spikeFactor * Math.max(usual, 1)) return undefined;
  return {
    body: render("comment-spike", {
      count,
      usual: Math.round(usual * 10) / 10,
      factor: Math.round(count / Math.max(usual, 1)),
    }),
    reason: `spike: ${count} against a usual ${usual.toFixed(1)} per pass`,
  };
}
