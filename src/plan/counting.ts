import type { LogEntry } from "../entries/log-entry.js";
import type { Cursor } from "../issue-body/marker.js";

/** What counting reads of an entry (a tally stands for its entries with these alone). */
export type Arrival = Pick<LogEntry, "timestamp" | "receiveTimestamp" | "insertId">;

/** Entries this close to the last counted one may still become visible late; their insert ids are remembered. */
export const LATE_MS = 10 * 60_000;
export const MAX_RECENT = 300;
/** Insert ids remembered for all linked patterns of an issue together, so links never outgrow the body. */
export const MAX_LINKED_RECENT = 300;

/** The share of each of `groups` linked cursors. */
export function linkedLimit(groups: number): number {
  return Math.max(20, Math.floor(MAX_LINKED_RECENT / Math.max(groups, 1)));
}

/**
 * When an entry reached Cloud Logging (`receiveTimestamp`), else when it was written. Counting follows
 * arrival, not the entry's own time: an entry that arrives 30 minutes late is newer than the cursor when
 * it arrives, so it is counted then, and once.
 */
export function arrival(entry: Arrival): number {
  return (entry.receiveTimestamp ?? entry.timestamp).getTime();
}

/** Entries at or before this time count as counted: the lateness band, or `floor` when `recent` was cut. */
export function bandStart(cursor: Cursor): number {
  const upTo = Date.parse(cursor.countedUpTo);
  // markers older than `floor` marked a cut list only by its length
  const legacyFloor =
    cursor.floor === undefined && cursor.recent.length >= MAX_RECENT
      ? Math.min(...cursor.recent.map(([, t]) => t))
      : -Infinity;
  return Math.max(upTo - LATE_MS, (cursor.floor ?? legacyFloor) + 1);
}

/**
 * The entries not counted by an earlier pass: arrived after `countedUpTo`, or inside the lateness band
 * with an insert id not seen. Overlapping windows therefore count every entry once.
 */
export function uncounted(entries: LogEntry[], cursor?: Cursor): LogEntry[] {
  if (!cursor) return entries;
  const upTo = Date.parse(cursor.countedUpTo);
  const seen = new Set(cursor.recent.map(([id]) => id));
  const start = bandStart(cursor);
  return entries.filter((e) => {
    const t = arrival(e);
    if (t > upTo) return true;
    return t >= start && e.insertId !== undefined && !seen.has(e.insertId);
  });
}

/**
 * The cursor after counting `counted` on top of `cursor`, remembering at most `max` insert ids; when
 * ids are dropped, `floor` moves up so that they are never counted again (a very late one may be missed).
 */
export function advanceCursor(counted: Arrival[], cursor?: Cursor, max = MAX_RECENT): Cursor {
  const previous = cursor ? Date.parse(cursor.countedUpTo) : -Infinity;
  const upTo = counted.reduce((m, e) => Math.max(m, arrival(e)), previous);
  if (!Number.isFinite(upTo)) return { countedUpTo: new Date(0).toISOString(), recent: [] };
  const band = upTo - LATE_MS;
  const recent: Array<[string, number]> = [...(cursor?.recent ?? [])];
  for (const e of counted) if (e.insertId) recent.push([e.insertId, arrival(e)]);
  const inBand = recent.filter(([, t]) => t >= band).sort((a, b) => b[1] - a[1]);
  const kept = inBand.slice(0, max);
  const floor = Math.max(cursor?.floor ?? -Infinity, ...inBand.slice(max).map(([, t]) => t));
  return {
    countedUpTo: new Date(upTo).toISOString(),
    recent: kept,
    ...(floor >= band ? { floor } : {}),
  };
}
