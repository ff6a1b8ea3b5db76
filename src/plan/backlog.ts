import type { GardenerConfig } from "../config/schema.js";
import type { BacklogEntry } from "../issue-body/intake-state.js";
import type { IssueState } from "../issue-body/marker.js";
import { advanceCursor, bandStart } from "./counting.js";
import type { CountingHints } from "./tally-counting.js";

/**
 * Insert ids a deferred pattern remembers: none, its cursor's floor keeps re-read entries from counting
 * twice (an entry that becomes readable more than a pass late, out of order, is missed while it waits).
 */
export const BACKLOG_RECENT = 0;
/** Run-history rows a deferred pattern keeps (its issue shows them once filed). */
const BACKLOG_HISTORY = 3;

/** A deferred pattern as the backlog keeps it: its counting state, compacted to fit the dashboard. */
export function toBacklogEntry(
  state: IssueState,
  deferredAt: string,
  requested?: BacklogEntry["requested"],
): BacklogEntry {
  const { project: _project, ...rest } = state;
  const cursor = advanceCursor([], state, BACKLOG_RECENT);
  return {
    ...rest,
    countedUpTo: cursor.countedUpTo,
    recent: cursor.recent,
    ...(cursor.floor !== undefined ? { floor: cursor.floor } : {}),
    history: state.history.slice(-BACKLOG_HISTORY),
    deferredAt,
    ...(requested ? { requested } : {}),
  };
}

/** The issue state a backlog entry is filed with (without the backlog's own fields). */
export function fromBacklogEntry(entry: BacklogEntry, config: GardenerConfig): IssueState {
  const { deferredAt: _at, requested: _requested, ...state } = entry;
  return { ...state, project: config.project };
}

/** Priority first, then the most occurrences, then the oldest: the order new issues are filed in. */
export function filingOrder(
  a: Pick<IssueState, "priority" | "total" | "firstSeen" | "fp">,
  b: Pick<IssueState, "priority" | "total" | "firstSeen" | "fp">,
): number {
  return (
    a.priority.localeCompare(b.priority) ||
    b.total - a.total ||
    Date.parse(a.firstSeen) - Date.parse(b.firstSeen) ||
    a.fp.localeCompare(b.fp)
  );
}

export function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The cuts a source that counts in the store needs for the backlog's cursors too, so their counts are exact. */
export function withBacklogCuts(hints: CountingHints, backlog: BacklogEntry[]): CountingHints {
  if (backlog.length === 0) return hints;
  const cuts = new Set(hints.cuts);
  const seen = new Set(hints.seen);
  for (const entry of backlog) {
    cuts.add(Date.parse(entry.countedUpTo) + 1);
    const band = bandStart(entry);
    if (Number.isFinite(band)) cuts.add(band);
    for (const [id] of entry.recent) seen.add(id);
  }
  return { cuts: [...cuts].filter(Number.isFinite).sort((a, b) => a - b), seen: [...seen] };
}
