import type { GardenerConfig, Priority } from "../config/schema.js";
import { parseDuration } from "../config/duration.js";
import { readTicks } from "../issue-body/checklist.js";
import { humanTextLength, type StateBase } from "../issue-body/document.js";
import type { IssueState } from "../issue-body/marker.js";
import { issueTitle, renderIssueBody } from "../issue-body/view.js";
import type { Redactor } from "../safety/redact.js";
import { render } from "../templates/render.js";
import type { TriagedCluster } from "../triage/triage.js";
import { patternKey, type Inventory, type TrackedIssue } from "./existing.js";
import { planExisting } from "./existing-plan.js";
import { countGroup, nextState } from "./state.js";
import { issueLabels } from "./labels.js";

export type Action =
  | { kind: "create"; fingerprint: string; title: string; body: string; labels: string[]; reason: string }
  | {
      kind: "update";
      issue: number;
      fingerprint: string;
      body: string;
      title?: string;
      /** The command-owned fields as listed: a command's change made during the pass wins over the plan. */
      base: StateBase;
      reason: string;
    }
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
  /** Issues whose body a human damaged: repaired from their validated state, or only reported. */
  damaged: Array<{ issue: number; reason: string; fingerprints: string[]; repaired: boolean }>;
  /** Which issue each cluster belongs to (existing issues only; new ones get theirs when applied). */
  issueOf: Record<string, number>;
}

export interface PlanInput {
  clusters: TriagedCluster[];
  /** The bot's issues, markers parsed (`inventory`). */
  existing: Inventory;
  config: GardenerConfig;
  now: Date;
  window: { from: Date; to: Date };
  redactor: Redactor;
  /** Issues to re-render (fresh samples) even when nothing new was counted. */
  refresh?: Set<number>;
  /**
   * Set when the source stopped before the window was read (cap or quota): entries newer than this were
   * all read. A count that may miss older entries is kept as a lower bound.
   */
  readFrom?: number;
}

function qualifies(cluster: TriagedCluster, config: GardenerConfig): boolean {
  return (
    cluster.triage.priority <= config.thresholds.minPriority &&
    cluster.count >= config.thresholds.minOccurrences
  );
}

interface NewIssue {
  cluster: TriagedCluster;
  state: IssueState;
  regressionOf?: TrackedIssue;
}

/** Computes, without I/O, what the pass should do on GitHub: each action with its reason. */
export function computePlan(input: PlanInput): Plan {
  const { config, now, redactor } = input;
  const inv = input.existing;
  const plan: Plan = {
    actions: [],
    deferred: [],
    belowThreshold: [],
    damaged: [
      ...inv.damaged.map((d) => ({
        issue: d.issue.number,
        reason: d.reason,
        fingerprints: d.fingerprints,
        repaired: false,
      })),
      ...inv.tracked
        .filter((t) => t.damage.length > 0)
        .map((t) => ({
          issue: t.number,
          reason: t.damage.join("; "),
          fingerprints: [t.marker.fp],
          repaired: true,
        })),
    ],
    issueOf: {},
  };
  const damagedFps = new Set(inv.damaged.flatMap((d) => d.fingerprints));
  const body = (cluster: TriagedCluster, state: IssueState, thisRun: number, current?: string) =>
    renderIssueBody(
      {
        state,
        thisRun,
        thisRunAtLeast:
          state.history.at(-1)?.at === now.toISOString() && state.history.at(-1)?.atLeast === true,
        samples: cluster.samples,
        businessImpact: cluster.triage.businessImpact,
        technicalImpact: cluster.triage.technicalImpact,
        locations: cluster.locations,
        ticks: readTicks(current ?? "", config.checklist.steps.length),
        window: input.window,
        resourceType: config.resource.type,
        now,
        reserve: current === undefined ? 0 : humanTextLength(current),
      },
      config,
      redactor,
    );

  const groups = new Map<number, { issue: TrackedIssue; clusters: TriagedCluster[] }>();
  const fresh: NewIssue[] = [];
  for (const cluster of input.clusters) {
    const issue =
      inv.byFingerprint.get(cluster.fingerprint) ??
      inv.byPattern.get(patternKey(cluster.templateId, cluster.service));
    if (issue) {
      plan.issueOf[cluster.fingerprint] = issue.number;
      const group = groups.get(issue.number) ?? { issue, clusters: [] };
      group.clusters.push(cluster);
      groups.set(issue.number, group);
    } else if (damagedFps.has(cluster.fingerprint)) {
      continue; // reported in `damaged`, never filed twice
    } else if (qualifies(cluster, config)) {
      const counting = countGroup([cluster], undefined, input.readFrom);
      fresh.push({ cluster, state: nextState(cluster, counting, config, redactor, now) });
    } else {
      plan.belowThreshold.push(cluster.fingerprint);
    }
  }

  const graceMs = parseDuration(config.regression.grace) ?? 0;
  const regression = (cluster: TriagedCluster, previous: IssueState, issue: TrackedIssue) => {
    const state = nextState(cluster, countGroup([cluster], undefined, input.readFrom), config, redactor, now);
    fresh.push({
      cluster,
      state: { ...state, fp: previous.fp, aliases: previous.aliases },
      regressionOf: issue,
    });
  };
  for (const { issue, clusters } of groups.values()) {
    const ctx = {
      config,
      now,
      graceMs,
      body,
      redactor,
      refresh: input.refresh,
      regression,
      readFrom: input.readFrom,
    };
    try {
      plan.actions.push(...planExisting(clusters, issue, ctx));
    } catch (error) {
      // one issue's surprise never stops the pass: it is reported and the others go on
      const reason = `could not be planned: ${error instanceof Error ? error.message : String(error)}`;
      plan.damaged.push({ issue: issue.number, reason, fingerprints: [issue.marker.fp], repaired: false });
    }
  }
  // Found without the bot's label (a human removed or renamed it): labelled again, even when quiet.
  for (const item of inv.tracked) {
    if (groups.has(item.number) || item.labels.includes(config.labels.bot)) continue;
    plan.actions.push({
      kind: "label",
      issue: item.number,
      fingerprint: item.marker.fp,
      add: [config.labels.bot],
      remove: [],
      reason: `labels added: ${config.labels.bot}`,
    });
  }
  fileNew(plan, fresh, config, body, redactor);
  return plan;
}

/** New issues (regressions under the new-issue policy included) within the per-pass limit and storm guard. */
function fileNew(
  plan: Plan,
  fresh: NewIssue[],
  config: GardenerConfig,
  body: (cluster: TriagedCluster, state: IssueState, thisRun: number) => string,
  redactor: Redactor,
): void {
  const ordered = fresh.sort(
    (a, b) =>
      a.cluster.triage.priority.localeCompare(b.cluster.triage.priority) ||
      a.cluster.firstSeen.getTime() - b.cluster.firstSeen.getTime(),
  );
  if (ordered.length > config.issues.stormThreshold) {
    plan.storm = { newPatterns: ordered.length, threshold: config.issues.stormThreshold };
  }
  ordered.forEach(({ cluster, state, regressionOf }, index) => {
    const defer = (reason: string) =>
      plan.deferred.push({
        fingerprint: state.fp,
        template: state.template,
        priority: state.priority,
        reason,
      });
    if (plan.storm) return defer("storm: too many new patterns at once");
    if (index >= config.issues.maxNewPerPass) {
      return defer(`over the limit of ${config.issues.maxNewPerPass} new issues per pass`);
    }
    const link = regressionOf
      ? `${render("regression-link", { issue: regressionOf.number, closedAt: regressionOf.closedAt })}\n`
      : "";
    plan.actions.push({
      kind: "create",
      fingerprint: state.fp,
      title: issueTitle(state, redactor),
      body: `${link}${body(cluster, state, state.total)}`,
      labels: issueLabels(state, config),
      reason: regressionOf
        ? `regression of #${regressionOf.number} (closed ${regressionOf.closedAt}), ${state.total} occurrence(s) since`
        : `new pattern, ${cluster.count} occurrence(s), ${cluster.triage.priority} by ${cluster.triage.reason}`,
    });
  });
}
