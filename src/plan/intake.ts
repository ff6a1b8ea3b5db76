/**
 * Which new patterns get their issue in this pass, and which wait. Pure: no I/O.
 *
 * - The first pass on a repo (no issues, no recorded passes) is never a storm: it files up to
 *   `issues.maxNewPerPass` patterns, highest priority first, then most occurrences, then oldest; the rest
 *   is the backlog, and later passes keep filing it at that rate, in that order.
 * - Once a baseline exists, a pass whose new patterns exceed `issues.stormThreshold` and
 *   `issues.stormFactor` times the usual (the median of the recorded passes) is a storm: only P0 patterns
 *   and patterns a maintainer asked for are filed. It ends with the first pass whose new patterns are
 *   back at or under the threshold; its patterns are filed afterwards only if they occur again.
 * - A pattern a maintainer asked for (a ticked box, `/garden file`) is filed outside the per-pass limit.
 */
import type { GardenerConfig, Priority } from "../config/schema.js";
import type { BacklogEntry, PassRecord, Storm, StormPattern } from "../issue-body/intake-state.js";
import type { IssueState } from "../issue-body/marker.js";
import type { TriagedCluster } from "../triage/triage.js";
import { filingOrder, median, toBacklogEntry } from "./backlog.js";
import type { TrackedIssue } from "./existing.js";

/** Passes the record keeps: a day of hourly passes. */
export const PASS_RECORD = 24;
/** How long the patterns of a storm that ended wait for a second occurrence before they are forgotten. */
export const STORM_MEMORY_MS = 7 * 86_400_000;
const MAX_STORMS = 5;
const MAX_BORN = 5000;
const TOP_PATTERNS = 10;

/** What the bot knows about patterns without an issue, from the dashboard or from the repo's issues. */
export interface IntakeMemory {
  /** The backlog is kept between passes (the dashboard); else deferred patterns are found again in later windows. */
  durable: boolean;
  backlog: BacklogEntry[];
  passes: PassRecord[];
  storms: Storm[];
  /** When the previous pass ran: a pattern first seen before it is not new. */
  previousPass?: string;
}

export const emptyMemory = (durable: boolean): IntakeMemory => ({
  durable,
  backlog: [],
  passes: [],
  storms: [],
});

/** A pattern that qualifies for an issue and has none. */
export interface Candidate {
  /** The state its issue would be created with. */
  state: IssueState;
  /** Its cluster, when it occurs in this pass's window. */
  cluster?: TriagedCluster;
  /** Its backlog entry, when an earlier pass deferred it. */
  entry?: BacklogEntry;
  /** A regression filed as a new issue (`regression.policy: new-issue`): never new, never kept in the backlog. */
  regressionOf?: TrackedIssue;
}

export type WaitReason = "budget" | "storm" | "storm-born" | "postponed" | "failed";

export interface Waiting {
  candidate: Candidate;
  why: WaitReason;
  /** The storm the pattern was first seen in, for `storm-born`. */
  storm?: Storm;
}

export interface Filing {
  candidate: Candidate;
  why: "budget" | "requested" | "p0-in-storm" | "regression";
}

export interface IntakeResult {
  file: Filing[];
  waiting: Waiting[];
  /** Patterns first seen since the previous pass. */
  newPatterns: number;
  /** The usual number of new patterns per pass: the median of the recorded passes (storms left out). */
  usual: number;
  baseline: boolean;
  /** The storm this pass is in, or the one it ended. */
  storm?: Storm;
  stormEvent?: "started" | "continues" | "ended";
  /** The memory after this pass (the backlog before its creates are applied; see `settleBacklog`). */
  memory: IntakeMemory;
}

export interface IntakeInput {
  candidates: Candidate[];
  memory: IntakeMemory;
  /** The repo has issues of the bot or recorded passes. */
  baseline: boolean;
  config: GardenerConfig;
  now: Date;
}

function topPatterns(candidates: Candidate[], previous: StormPattern[] = []): StormPattern[] {
  const byFp = new Map(previous.map((p) => [p.fp, p]));
  for (const { state } of candidates) {
    byFp.set(state.fp, {
      fp: state.fp,
      priority: state.priority,
      count: state.total,
      template: state.template.slice(0, 500),
      ...(state.service ? { service: state.service.slice(0, 200) } : {}),
    });
  }
  return [...byFp.values()]
    .sort((a, b) => a.priority.localeCompare(b.priority) || b.count - a.count || a.fp.localeCompare(b.fp))
    .slice(0, TOP_PATTERNS);
}

/** The storm after this pass, and what happened to it. */
function nextStorm(
  ongoing: Storm | undefined,
  isStorm: boolean,
  fresh: Candidate[],
  usual: number,
  config: GardenerConfig,
  now: string,
): { storm?: Storm; event?: IntakeResult["stormEvent"] } {
  const n = fresh.length;
  if (isStorm && !ongoing) {
    const storm: Storm = {
      startedAt: now,
      lastPassAt: now,
      passes: 1,
      newPatterns: n,
      peak: n,
      usual,
      threshold: config.issues.stormThreshold,
      top: topPatterns(fresh),
      born: fresh.map((c) => c.state.fp).slice(0, MAX_BORN),
      filed: 0,
    };
    return { storm, event: "started" };
  }
  if (isStorm && ongoing) {
    const storm: Storm = {
      ...ongoing,
      lastPassAt: now,
      passes: ongoing.passes + 1,
      newPatterns: n,
      peak: Math.max(ongoing.peak, n),
      top: topPatterns(fresh, ongoing.top),
      born: [...new Set([...ongoing.born, ...fresh.map((c) => c.state.fp)])].slice(0, MAX_BORN),
    };
    return { storm, event: "continues" };
  }
  if (ongoing) return { storm: { ...ongoing, endedAt: now, newPatterns: n }, event: "ended" };
  return {};
}

/** Decides, for every pattern without an issue, whether this pass files it or why it waits. */
export function decideIntake(input: IntakeInput): IntakeResult {
  const { config, memory } = input;
  const now = input.now.toISOString();
  const previous = memory.previousPass ? Date.parse(memory.previousPass) : undefined;
  const expired = (s: Storm) => !!s.endedAt && input.now.getTime() - Date.parse(s.endedAt) >= STORM_MEMORY_MS;
  const storms = memory.storms.filter((s) => !expired(s));
  const ongoing = storms.find((s) => !s.endedAt);
  const bornIn = new Map<string, Storm>();
  for (const storm of storms) for (const fp of storm.born) if (!bornIn.has(fp)) bornIn.set(fp, storm);
  // a pattern of a storm long over that never occurred again is forgotten, unless someone asked for it
  const forgotten = new Set(memory.storms.filter(expired).flatMap((s) => s.born));
  const candidates = input.candidates.filter(
    (c) => !(c.entry && !c.cluster && !c.entry.requested && forgotten.has(c.state.fp)),
  );

  const isNew = (c: Candidate) =>
    !c.regressionOf &&
    !c.entry &&
    !bornIn.has(c.state.fp) &&
    (previous === undefined || Date.parse(c.state.firstSeen) > previous);
  const fresh = candidates.filter(isNew);
  const usual = median(memory.passes.filter((p) => !p.storm).map((p) => p.new)) ?? 0;
  const over = fresh.length > config.issues.stormThreshold;
  const isStorm = ongoing ? over : input.baseline && over && fresh.length > config.issues.stormFactor * usual;
  const { storm, event } = nextStorm(ongoing, isStorm, fresh, usual, config, now);
  if (storm && isStorm) for (const fp of storm.born) if (!bornIn.has(fp)) bornIn.set(fp, storm);

  const file: Filing[] = [];
  const waiting: Waiting[] = [];
  let budget = config.issues.maxNewPerPass;
  const ordered = [...candidates].sort((a, b) => filingOrder(a.state, b.state));
  for (const candidate of ordered) {
    const { state } = candidate;
    const born = bornIn.get(state.fp);
    const bornInThis = born && storm && born.startedAt === storm.startedAt ? storm : born;
    if (candidate.entry?.requested) {
      file.push({ candidate, why: "requested" });
    } else if (isStorm && state.priority !== ("P0" satisfies Priority)) {
      waiting.push({ candidate, why: "storm", storm });
    } else if (
      bornInThis &&
      !isStorm &&
      !(bornInThis.endedAt && Date.parse(state.lastSeen) > Date.parse(bornInThis.endedAt))
    ) {
      waiting.push({ candidate, why: "storm-born", storm: bornInThis });
    } else if (budget > 0) {
      budget--;
      file.push({
        candidate,
        why: isStorm ? "p0-in-storm" : candidate.regressionOf ? "regression" : "budget",
      });
    } else {
      waiting.push({ candidate, why: "budget", storm: isStorm ? storm : undefined });
    }
  }
  if (storm && isStorm) storm.filed += file.filter((f) => f.why === "p0-in-storm").length;

  const pass: PassRecord = { at: now, new: fresh.length, ...(isStorm ? { storm: true } : {}) };
  const kept = [...(storm ? [storm] : []), ...storms.filter((s) => s !== ongoing)].slice(0, MAX_STORMS);
  const backlog = memory.durable
    ? waiting
        .filter((w) => !w.candidate.regressionOf)
        .map((w) => {
          const { state, entry } = w.candidate;
          return toBacklogEntry(state, entry?.deferredAt ?? now, entry?.requested);
        })
    : [];
  return {
    file,
    waiting,
    newPatterns: fresh.length,
    usual,
    baseline: input.baseline,
    storm,
    stormEvent: event,
    memory: {
      durable: memory.durable,
      backlog,
      passes: [...memory.passes, pass].slice(-PASS_RECORD),
      storms: kept,
      previousPass: now,
    },
  };
}

/**
 * The backlog once the creates were applied: a pattern whose create was postponed (write budget) or
 * failed goes back to the backlog, so nothing deferred is lost.
 */
export function settleBacklog(
  result: IntakeResult,
  notCreated: Map<string, "postponed" | "failed">,
  now: Date,
): IntakeResult {
  const back: Waiting[] = [];
  const backlog = [...result.memory.backlog];
  for (const { candidate } of result.file) {
    const why = notCreated.get(candidate.state.fp);
    if (!why) continue;
    back.push({ candidate, why });
    if (result.memory.durable && !candidate.regressionOf) {
      const { state, entry } = candidate;
      backlog.push(toBacklogEntry(state, entry?.deferredAt ?? now.toISOString(), entry?.requested));
    }
  }
  if (back.length === 0) return result;
  backlog.sort(filingOrder);
  return {
    ...result,
    file: result.file.filter((f) => !notCreated.has(f.candidate.state.fp)),
    waiting: [...back, ...result.waiting],
    memory: { ...result.memory, backlog },
  };
}
