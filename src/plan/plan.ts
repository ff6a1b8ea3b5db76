import type { Cluster } from "../cluster/aggregate.js";
import { FINGERPRINT_VERSION } from "../cluster/fingerprint.js";
import type { GardenerConfig, Priority } from "../config/schema.js";
import { parseDuration } from "../config/duration.js";
import { readTicks } from "../issue-body/checklist.js";
import { MARKER_VERSION, type IssueState } from "../issue-body/marker.js";
import { issueTitle, renderIssueBody } from "../issue-body/view.js";
import type { Redactor } from "../safety/redact.js";
import { render } from "../templates/render.js";
import type { TriagedCluster } from "../triage/triage.js";
import { advanceCursor, uncounted } from "./counting.js";
import { inventory, patternKey, type ExistingIssue, type TrackedIssue } from "./existing.js";
import { issueLabels } from "./labels.js";

export type Action =
  | { kind: "create"; fingerprint: string; title: string; body: string; labels: string[]; reason: string }
  | { kind: "update"; issue: number; fingerprint: string; body: string; title?: string; reason: string }
  | { kind: "reopen"; issue: number; fingerprint: string; reason: string }
  | { kind: "comment"; issue: number; fingerprint: string; body: string; reason: string }
  | { kind: "label"; issue: number; fingerprint: string; add: string[]; remove: string[]; reason: string };

export interface Plan {
  actions: Action[];
  /** Patterns that qualify for an issue but wait for a later pass (budget or storm), oldest first. */
  deferred: Array<{ fingerprint: string; template: string; priority: Priority; reason: string }>;
  /** Clusters that do not reach the thresholds for an issue of their own. */
  belowThreshold: string[];
  storm?: { newPatterns: number; threshold: number };
  damaged: Array<{ issue: number; reason: string; fingerprint?: string }>;
  /** Which issue each cluster belongs to (existing issues only; new ones get theirs when applied). */
  issueOf: Record<string, number>;
}

export interface PlanInput {
  clusters: TriagedCluster[];
  existing: ExistingIssue[];
  config: GardenerConfig;
  now: Date;
  window: { from: Date; to: Date };
  redactor: Redactor;
  /** Issues to re-render (fresh samples) even when nothing new was counted. */
  refresh?: Set<number>;
}

const PRIORITY_LABEL = (p: Priority) => `priority:${p}`;
const MIN_HISTORY_FOR_SPIKE = 3;
const MIN_SPIKE_COUNT = 10;

function stateFor(
  cluster: TriagedCluster,
  config: GardenerConfig,
  redactor: Redactor,
  previous?: IssueState,
): IssueState {
  const counted = uncounted(cluster.entries, previous);
  const cursor = advanceCursor(counted, previous);
  const first =
    previous && previous.firstSeen < cluster.firstSeen.toISOString()
      ? previous.firstSeen
      : cluster.firstSeen.toISOString();
  const last =
    previous && previous.lastSeen > cluster.lastSeen.toISOString()
      ? previous.lastSeen
      : cluster.lastSeen.toISOString();
  return {
    v: MARKER_VERSION,
    fp: previous?.fp ?? cluster.fingerprint,
    fpv: previous?.fpv ?? FINGERPRINT_VERSION,
    aliases: previous
      ? [
          ...new Set([
            ...previous.aliases,
            ...(previous.fp !== cluster.fingerprint ? [cluster.fingerprint] : []),
          ]),
        ]
      : [],
    templateId: cluster.templateId,
    // Redacted like everything posted; a redaction placeholder then acts as one more constant word.
    template: redactor.redactText(cluster.template).slice(0, 2000),
    service: cluster.service,
    logger: cluster.logger,
    function: cluster.function,
    project: config.project,
    severity: cluster.maxSeverity,
    priority: previous?.priority ?? cluster.triage.priority,
    category: cluster.triage.category,
    rule: cluster.triage.reason,
    total: (previous?.total ?? 0) + counted.length,
    firstSeen: first,
    lastSeen: last,
    ...cursor,
    history: [...(previous?.history ?? []), { at: "", count: counted.length }].slice(
      -config.issues.historyRuns,
    ),
    snooze: previous?.snooze,
    impact: previous?.impact,
  };
}

function isSnoozed(state: IssueState, now: Date): boolean {
  const s = state.snooze;
  return !!s && ((!!s.until && new Date(s.until) > now) || (!!s.occurrences && s.occurrences > 0));
}

function qualifies(cluster: Cluster & TriagedCluster, config: GardenerConfig): boolean {
  return (
    cluster.triage.priority <= config.thresholds.minPriority &&
    cluster.count >= config.thresholds.minOccurrences
  );
}

/** Computes, without I/O, what the pass should do on GitHub: each action with its reason. */
export function computePlan(input: PlanInput): Plan {
  const { config, now, redactor } = input;
  const inv = inventory(input.existing);
  const plan: Plan = {
    actions: [],
    deferred: [],
    belowThreshold: [],
    damaged: inv.damaged.map((d) => ({
      issue: d.issue.number,
      reason: d.reason,
      fingerprint: d.fingerprint,
    })),
    issueOf: {},
  };
  const damagedFps = new Set(inv.damaged.map((d) => d.fingerprint).filter(Boolean));
  const graceMs = parseDuration(config.regression.grace) ?? 0;
  const fresh: TriagedCluster[] = [];

  const body = (cluster: TriagedCluster, state: IssueState, thisRun: number, current?: string) =>
    renderIssueBody(
      {
        state,
        thisRun,
        samples: cluster.samples,
        businessImpact: cluster.triage.businessImpact,
        technicalImpact: cluster.triage.technicalImpact,
        locations: cluster.locations,
        ticks: readTicks(current ?? "", config.checklist.steps.length),
        window: input.window,
        resourceType: config.resource.type,
        now,
      },
      config,
      redactor,
    );

  for (const cluster of input.clusters) {
    const issue =
      inv.byFingerprint.get(cluster.fingerprint) ??
      inv.byPattern.get(patternKey(cluster.templateId, cluster.service));
    if (!issue) {
      if (damagedFps.has(cluster.fingerprint)) continue; // reported in `damaged`, never filed twice
      if (qualifies(cluster, config)) fresh.push(cluster);
      else plan.belowThreshold.push(cluster.fingerprint);
      continue;
    }
    plan.issueOf[cluster.fingerprint] = issue.number;
    planExisting(plan, cluster, issue, { config, now, graceMs, body, redactor, refresh: input.refresh });
  }

  const ordered = fresh.sort(
    (a, b) =>
      a.triage.priority.localeCompare(b.triage.priority) || a.firstSeen.getTime() - b.firstSeen.getTime(),
  );
  if (ordered.length > config.issues.stormThreshold) {
    plan.storm = { newPatterns: ordered.length, threshold: config.issues.stormThreshold };
  }
  ordered.forEach((cluster, index) => {
    const defer = (reason: string) =>
      plan.deferred.push({
        fingerprint: cluster.fingerprint,
        template: cluster.template,
        priority: cluster.triage.priority,
        reason,
      });
    if (plan.storm) return defer("storm: too many new patterns at once");
    if (index >= config.issues.maxNewPerPass)
      return defer(`over the limit of ${config.issues.maxNewPerPass} new issues per pass`);
    const state = stateFor(cluster, config, redactor);
    state.history[state.history.length - 1].at = now.toISOString();
    plan.actions.push({
      kind: "create",
      fingerprint: cluster.fingerprint,
      title: issueTitle(state, redactor),
      body: body(cluster, state, state.total),
      labels: issueLabels(state, config),
      reason: `new pattern, ${cluster.count} occurrence(s), ${cluster.triage.priority} by ${cluster.triage.reason}`,
    });
  });
  return plan;
}

interface ExistingContext {
  config: GardenerConfig;
  now: Date;
  graceMs: number;
  redactor: Redactor;
  refresh?: Set<number>;
  body: (cluster: TriagedCluster, state: IssueState, thisRun: number, current?: string) => string;
}

function planExisting(plan: Plan, cluster: TriagedCluster, issue: TrackedIssue, ctx: ExistingContext): void {
  const { config, now } = ctx;
  const previous = issue.marker;
  const counted = uncounted(cluster.entries, previous);
  if (counted.length === 0) {
    // Nothing new: no write at all, unless a maintainer asked for fresh samples.
    if (ctx.refresh?.has(issue.number)) {
      const body = ctx.body(cluster, previous, 0, issue.body);
      plan.actions.push({
        kind: "update",
        issue: issue.number,
        fingerprint: previous.fp,
        body,
        reason: "samples refreshed on request",
      });
    }
    return;
  }
  const state = stateFor(cluster, config, ctx.redactor, previous);
  state.history[state.history.length - 1].at = now.toISOString();
  const fp = issue.marker.fp;
  const snoozedBefore = isSnoozed(previous, now);
  if (state.snooze?.occurrences) {
    const left = state.snooze.occurrences - counted.length;
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
      ? counted.filter((e) => e.timestamp.getTime() > closedAt + ctx.graceMs)
      : [];

  if (regressed.length > 0 && !snoozedBefore && config.regression.policy === "new-issue") {
    const fresh: IssueState = {
      ...stateFor({ ...cluster, entries: regressed, count: regressed.length }, config, ctx.redactor),
      fp,
      aliases: previous.aliases,
      history: [{ at: now.toISOString(), count: regressed.length }],
    };
    plan.actions.push({
      kind: "create",
      fingerprint: fp,
      title: issueTitle(fresh, ctx.redactor),
      body: `${render("regression-link", { issue: issue.number, closedAt: issue.closedAt })}\n${ctx.body(cluster, fresh, regressed.length)}`,
      labels: issueLabels(fresh, config),
      reason: `regression of #${issue.number} (closed ${issue.closedAt}), ${regressed.length} occurrence(s) since`,
    });
    return;
  }

  const title =
    cluster.triage.priority < previous.priority && issue.title === issueTitle(previous, ctx.redactor)
      ? issueTitle({ ...state, priority: cluster.triage.priority }, ctx.redactor)
      : undefined;
  if (cluster.triage.priority < previous.priority) {
    state.priority = cluster.triage.priority;
    if (issue.labels.includes(PRIORITY_LABEL(previous.priority))) {
      plan.actions.push({
        kind: "label",
        issue: issue.number,
        fingerprint: fp,
        add: [PRIORITY_LABEL(state.priority)],
        remove: [PRIORITY_LABEL(previous.priority)],
        reason: `priority raised from ${previous.priority} to ${state.priority}`,
      });
    }
  }
  plan.actions.push({
    kind: "update",
    issue: issue.number,
    fingerprint: fp,
    body: ctx.body(cluster, state, counted.length, issue.body),
    title,
    reason: `${counted.length} new occurrence(s), ${state.total} in total`,
  });

  const ping = !snoozedBefore && !ignored;
  if (ping && regressed.length > 0 && config.regression.policy === "reopen") {
    plan.actions.push({ kind: "reopen", issue: issue.number, fingerprint: fp, reason: "regression" });
    plan.actions.push({
      kind: "comment",
      issue: issue.number,
      fingerprint: fp,
      body: render("comment-regression", { count: regressed.length, closedAt: issue.closedAt }),
      reason: `regressed: ${regressed.length} occurrence(s) since the close`,
    });
    return;
  }
  if (ping && closed) return;
  if (ping && cluster.triage.priority < previous.priority) {
    plan.actions.push({
      kind: "comment",
      issue: issue.number,
      fingerprint: fp,
      body: render("comment-priority", {
        from: previous.priority,
        to: cluster.triage.priority,
        rule: cluster.triage.reason,
      }),
      reason: "priority raised by a rule",
    });
    return;
  }
  const usual =
    previous.history.length >= MIN_HISTORY_FOR_SPIKE
      ? previous.history.reduce((s, r) => s + r.count, 0) / previous.history.length
      : undefined;
  if (
    ping &&
    usual !== undefined &&
    counted.length >= MIN_SPIKE_COUNT &&
    counted.length >= config.issues.spikeFactor * Math.max(usual, 1)
  ) {
    plan.actions.push({
      kind: "comment",
      issue: issue.number,
      fingerprint: fp,
      body: render("comment-spike", {
        count: counted.length,
        usual: Math.round(usual * 10) / 10,
        factor: Math.round(counted.length / Math.max(usual, 1)),
      }),
      reason: `spike: ${counted.length} against a usual ${usual.toFixed(1)} per pass`,
    });
  }
}
