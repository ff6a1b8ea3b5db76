import type { LogEntry } from "../entries/log-entry.js";
import type { IssueState } from "../issue-body/marker.js";

/** Entries this close to the last counted one may still arrive late; their insert ids are remembered. */
export const LATE_MS = 10 * 60_000;
export const MAX_RECENT = 300;

/**
 * The entries not counted by an earlier pass: newer than `countedUpTo`, or late arrivals inside the
 * lateness band whose insert id was not seen. Overlapping windows therefore count every entry once.
 */
export function uncounted(
  entries: LogEntry[],
  state?: Pick<IssueState, "countedUpTo" | "recent">,
): LogEntry[] {
  if (!state) return entries;
  const upTo = Date.parse(state.countedUpTo);
  const seen = new Set(state.recent.map(([id]) => id));
  const full = state.recent.length >= MAX_RECENT;
  const bandStart = Math.max(
    upTo - LATE_MS,
    full ? Math.min(...state.recent.map(([, t]) => t)) + 1 : -Infinity,
  );
  return entries.filter((e) => {
    const t = e.timestamp.getTime();
    if (t > upTo) return true;
    return t >= bandStart && e.insertId !== undefined && !seen.has(e.insertId);
  });
}

/** The new `countedUpTo` and `recent` after counting `counted` on top of `state`. */
export function advanceCursor(
  counted: LogEntry[],
  state?: Pick<IssueState, "countedUpTo" | "recent">,
): Pick<IssueState, "countedUpTo" | "recent"> {
  const previous = state ? Date.parse(state.countedUpTo) : -Infinity;
  const upTo = counted.reduce((max, e) => Math.max(max, e.timestamp.getTime()), previous);
  if (!Number.isFinite(upTo)) return { countedUpTo: new Date(0).toISOString(), recent: [] };
  const recent: Array<[string, number]> = [...(state?.recent ?? [])];
  for (const e of counted) if (e.insertId) recent.push([e.insertId, e.timestamp.getTime()]);
  const kept = recent
    .filter(([, t]) => t >= upTo - LATE_MS)
    .sort((a, b) => b[1] - a[1])
    .slice(0, MAX_RECENT);
  return { countedUpTo: new Date(upTo).toISOString(), recent: kept };
}
