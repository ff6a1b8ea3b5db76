import type { GardenerConfig } from "../config/schema.js";
import type { IssueState } from "../issue-body/marker.js";
import { issueTitle, renderIssueBody } from "../issue-body/view.js";
import type { Redactor } from "../safety/redact.js";
import { render } from "../templates/render.js";
import { effectiveRules, type TriagedCluster } from "../triage/triage.js";
import type { WorklogDeferred, WorklogIntake } from "../worklog/build.js";
import type { Filing, IntakeResult, Waiting } from "./intake.js";
import { issueLabels } from "./labels.js";

export interface NewIssueContext {
  config: GardenerConfig;
  now: Date;
  redactor: Redactor;
  window: { from: Date; to: Date };
  body: (cluster: TriagedCluster, state: IssueState, thisRun: number) => string;
}

/** A pattern that waits for a later pass, as the worklog and the plan show it, with why in a word. */
export type DeferredPattern = WorklogDeferred & { why: Waiting["why"] };

const RULE_RE = /^rule "(.*?)"/;

/** The impact texts of the rule that set a pattern's priority, for an issue filed without its cluster. */
function impactsOf(rule: string, config: GardenerConfig): { business: string; technical: string } {
  const name = RULE_RE.exec(rule)?.[1];
  const set = effectiveRules(config).find((r) => r.name === name)?.set;
  return {
    business: set?.businessImpact ?? "Not assessed.",
    technical: set?.technicalImpact ?? "Not assessed.",
  };
}

/** The body of a pattern filed from the backlog that this pass's window does not hold: no samples, its own dates. */
function bodyFromBacklog(state: IssueState, ctx: NewIssueContext): string {
  const impacts = impactsOf(state.rule, ctx.config);
  return renderIssueBody(
    {
      state,
      thisRun: 0,
      samples: [],
      businessImpact: impacts.business,
      technicalImpact: impacts.technical,
      locations: [],
      ticks: [],
      window: { from: new Date(state.firstSeen), to: new Date(Date.parse(state.lastSeen) + 1000) },
      resourceType: ctx.config.resource.type,
      now: ctx.now,
    },
    ctx.config,
    ctx.redactor,
  );
}

function createReason({ candidate, why }: Filing): string {
  const { state, cluster, entry, regressionOf } = candidate;
  if (regressionOf) {
    return `regression of #${regressionOf.number} (closed ${regressionOf.closedAt}), ${state.total} occurrence(s) since`;
  }
  const what = entry
    ? `deferred since ${entry.deferredAt}, ${state.total} occurrence(s)${cluster ? "" : ", none in this window"}`
    : `new pattern, ${state.total} occurrence(s)`;
  const by = why === "requested" ? `, requested by ${entry?.requested?.by}` : "";
  const storm = why === "p0-in-storm" ? ", P0 filed during a storm" : "";
  return `${what}, ${state.priority} by ${state.rule}${by}${storm}`;
}

/** The create action of a pattern this pass files. */
export function createAction(filing: Filing, ctx: NewIssueContext) {
  const { state, cluster, regressionOf } = filing.candidate;
  const link = regressionOf
    ? `${render("regression-link", { issue: regressionOf.number, closedAt: regressionOf.closedAt })}\n`
    : "";
  const thisRun = state.history.at(-1)?.at === ctx.now.toISOString() ? state.history.at(-1)!.count : 0;
  const body = cluster ? ctx.body(cluster, state, thisRun) : bodyFromBacklog(state, ctx);
  return {
    kind: "create" as const,
    fingerprint: state.fp,
    title: issueTitle(state, ctx.redactor),
    body: `${link}${body}`,
    labels: issueLabels(state, ctx.config),
    reason: createReason(filing),
  };
}

/** A waiting pattern as it is shown, its reason in words. */
export function deferredPattern(waiting: Waiting, config: GardenerConfig): DeferredPattern {
  const { state, entry } = waiting.candidate;
  return {
    fingerprint: state.fp,
    template: state.template,
    priority: state.priority,
    count: state.total,
    firstSeen: state.firstSeen,
    lastSeen: state.lastSeen,
    ...(state.service ? { service: state.service } : {}),
    why: waiting.why,
    reason: render("deferred-reason", {
      why: waiting.why,
      max: config.issues.maxNewPerPass,
      storm: waiting.storm,
    }).trim(),
    ...(entry ? { since: entry.deferredAt } : {}),
    ...(entry?.requested ? { requested: true } : {}),
  };
}

/** The new-pattern part of a pass for its worklog: what waits and why, and the storm. */
export function worklogIntake(
  intake: IntakeResult,
  deferred: DeferredPattern[],
  config: GardenerConfig,
): WorklogIntake {
  const { storm, stormEvent } = intake;
  return {
    deferred: deferred.map(({ why: _why, ...d }) => d),
    newPatterns: intake.newPatterns,
    usual: intake.usual,
    firstPass: !intake.baseline,
    durable: intake.memory.durable,
    maxNewPerPass: config.issues.maxNewPerPass,
    ...(storm && stormEvent
      ? {
          storm: {
            event: stormEvent,
            startedAt: storm.startedAt,
            ...(storm.endedAt ? { endedAt: storm.endedAt } : {}),
            passes: storm.passes,
            newPatterns: storm.newPatterns,
            peak: storm.peak,
            usual: storm.usual,
            threshold: storm.threshold,
            filed: storm.filed,
          },
        }
      : {}),
  };
}
