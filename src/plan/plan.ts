import type { GardenerConfig, Priority } from "../config/schema.js";
import { parseDuration } from "../config/duration.js";
import { readTicks } from "../issue-body/checklist.js";
import { humanTextLength, type StateBase } from "../issue-body/document.js";
import type { BacklogEntry } from "../issue-body/intake-state.js";
import type { IssueState } from "../issue-body/marker.js";
import { renderIssueBody } from "../issue-body/view.js";
import type { Redactor } from "../safety/redact.js";
import type { TriagedCluster } from "../triage/triage.js";
import { fromBacklogEntry } from "./backlog.js";
import { patternKey, type Inventory, type TrackedIssue } from "./existing.js";
import { planExisting } from "./existing-plan.js";
import { decideIntake, type Candidate, type IntakeMemory, type IntakeResult } from "./intake.js";
import { intakeMemory } from "./intake-memory.js";
import { createAction, deferredPattern, type DeferredPattern } from "./new-issues.js";
import { countGroup, nextState } from "./state.js";

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
  /** Patterns that qualify for an issue but wait for a later pass (budget, storm), in filing order. */
  deferred: DeferredPattern[];
  /** Clusters that do not reach the thresholds for an issue of their own. */
  belowThreshold: string[];
  /** Set when this pass is in a storm: only P0 patterns and those a maintainer asked for are filed. */
  storm?: { newPatterns: number; threshold: number; usual: number; startedAt: string; passes: number };
  /** How the new patterns were decided: the storm check, and the memory the next pass starts from. */
  intake: IntakeResult;
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
  /** The backlog, the recorded passes and the storms (default: what the issues alone tell). */
  memory?: IntakeMemory;
}

function qualifies(state: { priority: Priority; total: number }, config: GardenerConfig): boolean {
  return state.priority <= config.thresholds.minPriority && state.total >= config.thresholds.minOccurrences;
}

/** A deferred pattern's state with this pass's occurrences counted against its own cursor. */
function backlogState(cluster: TriagedCluster, entry: BacklogEntry, input: PlanInput): IssueState {
  const previous = { ...fromBacklogEntry(entry, input.config), priority: cluster.triage.priority };
  const counting = countGroup([cluster], previous, input.readFrom);
  if (counting.n === 0) return previous;
  return nextState(cluster, counting, input.config, input.redactor, input.now, previous);
}

/** Computes, without I/O, what the pass should do on GitHub: each action with its reason. */
export function computePlan(input: PlanInput): Plan {
  const { config, now, redactor } = input;
  const inv = input.existing;
  const plan: Omit<Plan, "intake"> = {
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

  const memory = input.memory ?? intakeMemory(inv);
  const backlog = new Map(memory.backlog.map((e) => [e.fp, e]));
  const hasIssue = (fps: string[]) => fps.some((fp) => inv.byFingerprint.has(fp) || damagedFps.has(fp));
  const groups = new Map<number, { issue: TrackedIssue; clusters: TriagedCluster[] }>();
  const fresh: Candidate[] = [];
  for (const cluster of input.clusters) {
    const entry = backlog.get(cluster.fingerprint);
    backlog.delete(cluster.fingerprint); // seen: it is this cluster's now, whatever happens to it
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
    } else {
      const state = entry
        ? backlogState(cluster, entry, input)
        : nextState(cluster, countGroup([cluster], undefined, input.readFrom), config, redactor, now);
      if (qualifies(state, config)) fresh.push({ cluster, state, entry });
      else plan.belowThreshold.push(cluster.fingerprint);
    }
  }
  // Deferred patterns this window does not hold are still filed in their turn, unless filed meanwhile.
  for (const entry of backlog.values()) {
    const state = fromBacklogEntry(entry, config);
    if (!hasIssue([entry.fp, ...entry.aliases]) && qualifies(state, config)) fresh.push({ state, entry });
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
  // The issue counted longest ago first: when the write budget runs out, the next pass starts with the
  // updates it postponed, so no issue waits behind busier ones pass after pass.
  const byCursor = [...groups.values()].sort(
    (a, b) => Date.parse(a.issue.marker.countedUpTo) - Date.parse(b.issue.marker.countedUpTo),
  );
  for (const { issue, clusters } of byCursor) {
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
  const intake = decideIntake({
    candidates: fresh,
    memory,
    baseline: inv.tracked.length + inv.damaged.length > 0 || memory.passes.length > 0,
    config,
    now,
  });
  const ctx = { config, now, redactor, window: input.window, body };
  plan.actions.push(...intake.file.map((f) => createAction(f, ctx)));
  plan.deferred = intake.waiting.map((w) => deferredPattern(w, config));
  if (intake.storm && intake.stormEvent !== "ended") {
    const { newPatterns, threshold, usual, startedAt, passes } = intake.storm;
    plan.storm = { newPatterns, threshold, usual, startedAt, passes };
  }
  return { ...plan, intake };
}
