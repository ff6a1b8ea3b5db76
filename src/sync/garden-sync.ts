import type { MinerState } from "../cluster/miner.js";
import type { GardenerConfig } from "../config/schema.js";
import type { GitHub, RepoRef } from "../github/client.js";
import { applyPlan, type ApplyResult } from "../github/apply.js";
import { listLabelledIssues } from "../github/issues.js";
import { analyze, type SourceResult } from "../pass/analyze.js";
import { inventory } from "../plan/existing.js";
import { computePlan, type Plan } from "../plan/plan.js";
import { createRedactor } from "../safety/redact.js";
import { render } from "../templates/render.js";
import type { Worklog } from "../worklog/build.js";
import { withRepoLock } from "./repo-lock.js";

export interface SyncOptions extends RepoRef {
  gh: GitHub;
  config: GardenerConfig;
  source: SourceResult;
  now: Date;
  dryRun?: boolean;
  /** Issues whose samples are refreshed even when nothing new was counted (`/garden samples`). */
  refresh?: number[];
}

export interface SyncResult {
  worklog: Worklog;
  plan: Plan;
  applied?: ApplyResult;
}

/** Templates stored in the bot's issues seed the miner, so a known pattern keeps its issue. */
function seedState(issues: ReturnType<typeof inventory>): MinerState {
  const seen = new Map<string, string>();
  for (const issue of issues.tracked) seen.set(issue.marker.templateId, issue.marker.template);
  return { version: 1, templates: [...seen].map(([id, template]) => ({ id, template })) };
}

function annotate(worklog: Worklog, plan: Plan, applied?: ApplyResult): void {
  const created = new Map(applied?.created.map((c) => [c.fingerprint, c]) ?? []);
  for (const cluster of worklog.clusters) {
    const kinds = plan.actions.filter((a) => a.fingerprint === cluster.fingerprint).map((a) => a.kind);
    const made = created.get(cluster.fingerprint);
    const number = made?.number ?? plan.issueOf[cluster.fingerprint];
    if (number !== undefined) {
      cluster.issue = {
        number,
        url: made?.url ?? "",
        action: made ? "created" : kinds.join(", ") || "no change",
      };
    }
  }
  worklog.notes.push(
    ...render("sync-notes", { plan, applied })
      .split("\n")
      .filter((l) => l.trim() !== ""),
  );
}

/** One garden pass on a repo: existing issues, then clusters, then the plan, then (unless dry) its application. */
export function gardenRepo(opts: SyncOptions): Promise<SyncResult> {
  return withRepoLock(`${opts.owner}/${opts.repo}`.toLowerCase(), async () => {
    const repo = { owner: opts.owner, repo: opts.repo };
    const issues = await listLabelledIssues(opts.gh, repo, opts.config.labels.bot);
    const redactor = createRedactor(opts.config.redaction.extra);
    const known = inventory(issues);
    const analysis = analyze(opts.source, opts.config, opts.now, seedState(known), redactor);
    const window = {
      from:
        opts.source.timeRange.from ??
        analysis.clusters.reduce((m, c) => (c.firstSeen < m ? c.firstSeen : m), opts.now),
      to: opts.source.timeRange.to ?? opts.now,
    };
    const plan = computePlan({
      clusters: analysis.clusters,
      existing: known,
      config: opts.config,
      now: opts.now,
      window,
      redactor,
      refresh: new Set(opts.refresh ?? []),
    });
    const applied = opts.dryRun
      ? undefined
      : await applyPlan(opts.gh, repo, plan, opts.config.issues.maxWritesPerPass);
    annotate(analysis.worklog, plan, applied);
    return { worklog: analysis.worklog, plan, applied };
  });
}
