import type { MinerState } from "../cluster/miner.js";
import type { GardenerConfig } from "../config/schema.js";
import type { GitHub, RepoRef } from "../github/client.js";
import { applyPlan, type ApplyResult } from "../github/apply.js";
import { closeAsDuplicate, getIssues, listLabelledIssues, scanForMarkedIssues } from "../github/issues.js";
import type { DashboardState, FingerprintIndex } from "../issue-body/dashboard-state.js";
import { parseDuration } from "../config/duration.js";
import { analyze, readSource, type SourceInput, type SourceResult } from "../pass/analyze.js";
import { screenPass } from "../pass/screen.js";
import { duplicatesOf, inventory, type ExistingIssue, type Inventory } from "../plan/existing.js";
import { withBacklogCuts } from "../plan/backlog.js";
import { settleBacklog, type IntakeMemory } from "../plan/intake.js";
import { intakeMemory } from "../plan/intake-memory.js";
import { deferredPattern, worklogIntake } from "../plan/new-issues.js";
import { computePlan, type Plan } from "../plan/plan.js";
import { countingHints } from "../plan/tally-counting.js";
import { createRedactor } from "../safety/redact.js";
import { render } from "../templates/render.js";
import type { Worklog } from "../worklog/build.js";
import { withRepoLock } from "./repo-lock.js";
import { noticeStorms, stormNotices, writeStormNotice, type StormNotice } from "./storm-notice.js";

/** What the dashboard keeps for new patterns: the backlog, the recorded passes and the storms. */
export type DashboardMemory = Pick<DashboardState, "backlog" | "passes" | "storms">;

export interface SyncOptions extends RepoRef {
  gh: GitHub;
  config: GardenerConfig;
  /** The logs, or a reader that gets the issues' counting cuts first (a source that counts in the store). */
  source: SourceInput;
  now: Date;
  dryRun?: boolean;
  /** Issues whose samples are refreshed even when nothing new was counted (`/garden samples`). */
  refresh?: number[];
  /**
   * The fingerprint index kept in the dashboard: indexed issues the label listing misses are read one by
   * one. Without it, a pass that is about to create scans the repo's issues for the bot's markers first.
   */
  index?: FingerprintIndex;
  /**
   * The dashboard's backlog, passes and storms (the app). Without it, deferred patterns are found again
   * in the logs of later windows and a storm is shown in a `log-gardener:storm` issue.
   */
  memory?: DashboardMemory;
  /** Serialises passes on one repo; a test stands in for a second process with a lock of its own. */
  lock?: <T>(key: string, fn: () => Promise<T>) => Promise<T>;
}

export interface SyncResult {
  worklog: Worklog;
  plan: Plan;
  applied?: ApplyResult;
  /** The fingerprint index after this pass, for the dashboard. */
  index: FingerprintIndex;
  /** Issues with the bot's marker found without its label (relabelled by the plan). */
  unlabelled: number[];
  /** The scan before creating stopped at its page limit: an older unlabelled issue may have been missed. */
  scanCapped?: boolean;
  /** What the next pass starts from: the backlog (durable with a dashboard), the passes, the storms. */
  memory: IntakeMemory;
  /** The storm notice issue this pass wrote (no dashboard). */
  stormNotice?: number;
}

/** Templates stored in the bot's issues and backlog seed the miner, so a known pattern keeps its fingerprint. */
function seedState(issues: Inventory, memory?: DashboardMemory): MinerState {
  const seen = new Map<string, string>();
  for (const entry of memory?.backlog ?? []) seen.set(entry.templateId, entry.template);
  for (const issue of issues.tracked) seen.set(issue.marker.templateId, issue.marker.template);
  return { version: 1, templates: [...seen].map(([id, template]) => ({ id, template })) };
}

function annotate(worklog: Worklog, plan: Plan, config: GardenerConfig, applied?: ApplyResult): void {
  worklog.intake = worklogIntake(plan.intake, plan.deferred, config);
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
}

/** Every pattern's issue: the preferred issue of each fingerprint, damaged issues' claims included. */
function buildIndex(inv: Inventory): FingerprintIndex {
  const index: FingerprintIndex = {};
  for (const item of inv.tracked) index[item.marker.fp] = inv.byFingerprint.get(item.marker.fp)!.number;
  for (const d of inv.damaged) for (const fp of d.fingerprints) index[fp] ??= d.issue.number;
  return index;
}

/** The bot's issues: labelled ones, plus those the index or a scan finds without the label. */
async function readIssues(
  opts: SyncOptions,
  repo: RepoRef,
  scan: boolean,
): Promise<{ issues: ExistingIssue[]; unlabelled: number[]; scanCapped?: boolean }> {
  const listed = await listLabelledIssues(opts.gh, repo, opts.config.labels.bot);
  const known = new Set(listed.map((i) => i.number));
  let extra: ExistingIssue[] = [];
  let scanCapped: boolean | undefined;
  if (scan) {
    const scanned = await scanForMarkedIssues(opts.gh, repo, known);
    extra = scanned.found;
    scanCapped = !scanned.complete;
  } else if (opts.index) {
    const missing = [...new Set(Object.values(opts.index))].filter((n) => !known.has(n));
    extra = await getIssues(opts.gh, repo, missing);
  }
  return { issues: [...listed, ...extra], unlabelled: extra.map((i) => i.number), scanCapped };
}

/**
 * A duplicate older than this was left by a pass that died between its create and its re-list: no pass
 * runs this long, so whichever pass sees it next closes it (before, only the pass that filed it does).
 */
const LEFTOVER_DUPLICATE_AGE_MS = 30 * 60_000;

/**
 * If another pass (another process, another replica) filed the same pattern at the same time, the lower
 * number is kept and this pass's issue is closed as a duplicate with a link; so is a leftover duplicate.
 * Re-lists after creating; otherwise the inventory the pass planned from is current enough.
 */
async function closeDuplicates(
  opts: SyncOptions,
  repo: RepoRef,
  applied: ApplyResult,
  known: Inventory,
): Promise<Inventory> {
  const inv = applied.created.length > 0 ? inventory((await readIssues(opts, repo, false)).issues) : known;
  const mine = new Set(applied.created.map((c) => c.number));
  const leftover = (issue: ExistingIssue) =>
    issue.createdAt !== undefined &&
    Date.parse(issue.createdAt) < opts.now.getTime() - LEFTOVER_DUPLICATE_AGE_MS;
  const fingerprints = new Set(inv.tracked.filter((t) => t.state === "open").map((t) => t.marker.fp));
  for (const { duplicate, of } of duplicatesOf(inv, fingerprints)) {
    if (!mine.has(duplicate.number) && !leftover(duplicate)) continue; // the pass that filed it closes it
    const fingerprint = duplicate.marker.fp;
    try {
      const body = render("duplicate-closed", { of: of.number, fingerprint }).trim();
      await closeAsDuplicate(opts.gh, repo, duplicate.number, body);
      applied.writes += 2;
      applied.duplicates.push({ issue: duplicate.number, of: of.number, fingerprint });
    } catch (error) {
      applied.failures.push({
        fingerprint,
        issue: duplicate.number,
        action: "close duplicate",
        error: (error as Error).message.split("\n")[0],
      });
    }
  }
  return inv;
}

/** Creates the write budget postponed, or GitHub refused, wait in the backlog: nothing deferred is lost. */
function settle(plan: Plan, applied: ApplyResult, opts: SyncOptions): void {
  const notCreated = new Map<string, "postponed" | "failed">();
  for (const a of applied.postponed) if (a.kind === "create") notCreated.set(a.fingerprint, "postponed");
  for (const f of applied.failures) if (f.action === "create") notCreated.set(f.fingerprint, "failed");
  if (notCreated.size === 0) return;
  plan.intake = settleBacklog(plan.intake, notCreated, opts.now);
  plan.deferred = plan.intake.waiting.map((w) => deferredPattern(w, opts.config));
}

/** Without a dashboard, the storm's one notice issue: created, updated, closed when it ends. */
async function noticeStorm(
  opts: SyncOptions,
  repo: RepoRef,
  notices: StormNotice[],
  plan: Plan,
  applied: ApplyResult,
): Promise<number | undefined> {
  try {
    const { writes, number } = await writeStormNotice(opts.gh, repo, notices, plan.intake, opts.config);
    applied.writes += writes;
    return number;
  } catch (error) {
    applied.failures.push({
      fingerprint: "storm",
      action: "storm notice",
      error: (error as Error).message.split("\n")[0],
    });
    return undefined;
  }
}

/** One garden pass on a repo: existing issues, then clusters, then the plan, then (unless dry) its application. */
export function gardenRepo(opts: SyncOptions): Promise<SyncResult> {
  const lock = opts.lock ?? withRepoLock;
  return lock(`${opts.owner}/${opts.repo}`.toLowerCase(), async () => {
    const repo = { owner: opts.owner, repo: opts.repo };
    const redactor = createRedactor(opts.config.redaction.extra);
    let notices: StormNotice[] = [];
    // A source that counts in the store is read once the issues are known, with their counting cuts; it is
    // read again only if a scan finds more issues (their cursors need cuts of their own).
    const graceMs = parseDuration(opts.config.regression.grace) ?? 0;
    let logs: { hints: string; source: SourceResult } | undefined;
    const sourceFor = async (known: Inventory) => {
      const hints = withBacklogCuts(countingHints(known, graceMs), opts.memory?.backlog ?? []);
      const key = JSON.stringify(hints);
      if (!logs || (typeof opts.source === "function" && logs.hints !== key)) {
        logs = { hints: key, source: await readSource(opts.source, hints) };
      }
      return logs.source;
    };
    const planFor = async (known: Inventory) => {
      const source = await sourceFor(known);
      const analysis = analyze(source, opts.config, opts.now, seedState(known, opts.memory), redactor);
      await screenPass(analysis, redactor); // the library detector, on what this pass may post
      const window = {
        from:
          source.timeRange.from ??
          analysis.clusters.reduce((m, c) => (c.firstSeen < m ? c.firstSeen : m), opts.now),
        to: source.timeRange.to ?? opts.now,
      };
      const plan = computePlan({
        clusters: analysis.clusters,
        existing: known,
        config: opts.config,
        now: opts.now,
        window,
        redactor,
        refresh: new Set(opts.refresh ?? []),
        readFrom: source.complete ? undefined : (source.readFrom?.getTime() ?? Infinity),
        memory: intakeMemory(known, opts.memory && { v: 1, ...opts.memory }, noticeStorms(notices)),
      });
      return { analysis, plan };
    };

    let read = await readIssues(opts, repo, false);
    notices = stormNotices(read.issues);
    let known = inventory(read.issues);
    let { analysis, plan } = await planFor(known);
    // No index to trust: before filing anything new, look for the bot's issues that lost their label.
    if (!opts.index && plan.actions.some((a) => a.kind === "create")) {
      read = await readIssues(opts, repo, true);
      if (read.unlabelled.length > 0) {
        known = inventory(read.issues);
        ({ analysis, plan } = await planFor(known));
      }
    }
    const applied = opts.dryRun
      ? undefined
      : await applyPlan(opts.gh, repo, plan, opts.config.issues.maxWritesPerPass);
    if (applied) known = await closeDuplicates(opts, repo, applied, known);
    if (applied) settle(plan, applied, opts);
    const stormNotice =
      applied && !opts.memory ? await noticeStorm(opts, repo, notices, plan, applied) : undefined;
    annotate(analysis.worklog, plan, opts.config, applied);
    const index = buildIndex(known);
    for (const c of applied?.created ?? []) index[c.fingerprint] ??= c.number;
    const result = {
      worklog: analysis.worklog,
      plan,
      applied,
      index,
      unlabelled: read.unlabelled,
      scanCapped: read.scanCapped,
      memory: plan.intake.memory,
      stormNotice,
    };
    analysis.worklog.notes.push(
      ...render("sync-notes", result)
        .split("\n")
        .filter((l) => l.trim() !== ""),
    );
    return result;
  });
}
