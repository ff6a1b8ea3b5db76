// Counting cursors applied to tallies (clusters counted in the store, see cluster/tally.ts): the same
// rule as `uncounted`, bucket by bucket, on arrival times. Entries that arrived after an issue's
// `countedUpTo` count; entries in its lateness band count when their insert id was not remembered (the
// store counts those as `fresh`); older ones do not. The cuts a pass sends to the store are exactly the edges of those regions, so every
// bucket lies wholly in one of them and the counts are exact.
import type { Cursor } from "../issue-body/marker.js";
import { tallyTotal, type Tally } from "../cluster/tally.js";
import { bandStart, type Arrival } from "./counting.js";
import type { Inventory } from "./existing.js";

/** What a source that counts in the store needs before it reads: where to cut, and the ids already counted. */
export interface CountingHints {
  /** Ascending, distinct epoch milliseconds. */
  cuts: number[];
  seen: string[];
}

/** The cuts and remembered ids of every tracked issue: its cursors, and the end of the grace after a close. */
export function countingHints(inv: Pick<Inventory, "tracked">, graceMs: number): CountingHints {
  const cuts = new Set<number>();
  const seen = new Set<string>();
  for (const issue of inv.tracked) {
    const { marker } = issue;
    for (const cursor of [marker, ...(marker.linked ?? [])]) {
      const upTo = Date.parse(cursor.countedUpTo);
      if (Number.isNaN(upTo)) continue;
      cuts.add(upTo + 1);
      const band = bandStart(cursor);
      if (Number.isFinite(band)) cuts.add(band);
      for (const [id] of cursor.recent ?? []) seen.add(id);
    }
    const closedAt = issue.closedAt ? Date.parse(issue.closedAt) : NaN;
    if (!Number.isNaN(closedAt)) cuts.add(closedAt + graceMs + 1);
  }
  return { cuts: [...cuts].sort((a, b) => a - b), seen: [...seen] };
}

function range(tally: Tally, bucket: number): [number, number] {
  return [
    bucket === 0 ? -Infinity : tally.cuts[bucket - 1]!,
    bucket >= tally.cuts.length ? Infinity : tally.cuts[bucket]!,
  ];
}

/** The part of a tally that `cursor` has not counted yet (the tally form of `uncounted`). */
export function uncountedTally(tally: Tally, cursor?: Cursor): Tally {
  if (!cursor) return tally;
  const upTo = Date.parse(cursor.countedUpTo);
  const band = bandStart(cursor);
  const remembered = new Set(cursor.recent.map(([id]) => id));
  const buckets = new Map<number, { all: number; fresh: number }>();
  let after = false;
  for (const [bucket, { all, fresh }] of tally.buckets) {
    const [lo, hi] = range(tally, bucket);
    // A bucket that straddles a region (no cut was sent there) counts only what nobody remembered.
    const n = lo > upTo ? all : hi <= band ? 0 : fresh;
    if (lo > upTo && all > 0) after = true;
    if (n > 0) buckets.set(bucket, { all: n, fresh: n });
  }
  return {
    cuts: tally.cuts,
    buckets,
    last: after ? tally.last : -Infinity,
    tail: tally.tail.filter(([id, t]) => t > upTo || (t >= band && !remembered.has(id))),
  };
}

/** How many entries of a counted tally are newer than `ms` (exact when `ms + 1` is a cut). */
export function tallyAfter(tally: Tally, ms: number): Tally {
  const buckets = new Map([...tally.buckets].filter(([bucket]) => range(tally, bucket)[0] > ms));
  return {
    cuts: tally.cuts,
    buckets,
    last: tally.last > ms ? tally.last : -Infinity,
    tail: tally.tail.filter(([, t]) => t > ms),
  };
}

/** Entries that stand for a counted tally when a cursor moves: its newest one and its remembered ids. */
export function tallyPoints(tally: Tally): Arrival[] {
  const at = (t: number) => ({ timestamp: new Date(t), receiveTimestamp: new Date(t) });
  const points: Arrival[] = tally.tail.map(([id, t]) => ({ ...at(t), insertId: id }));
  if (Number.isFinite(tally.last) && tallyTotal(tally) > 0) points.push(at(tally.last));
  return points;
}
