// Counts of a cluster that a store counted (Log Analytics) instead of handing over each entry: how many
// entries fall between the pass's cuts (times where some issue's counting cursor or close time lies), how
// many of those carry an insert id no earlier pass counted, and the newest insert ids near the last entry.
// That is all the counting cursors need (see plan/tally-counting.ts).

/**
 * Newest insert ids kept per tally: one more than an issue's cursor remembers, so that a cursor that must
 * drop some knows where its `floor` goes (as with entries).
 */
export const TAIL_IDS = 301;

export interface Tally {
  /**
   * Ascending epoch milliseconds shared by the pass: bucket i holds the entries that arrived (receive
   * time) at cuts[i-1] <= t < cuts[i].
   */
  cuts: number[];
  /** Entries per bucket, and those of them whose insert id no earlier pass remembered. */
  buckets: Map<number, { all: number; fresh: number }>;
  /** Arrival of the newest entry (epoch ms). */
  last: number;
  /** [insertId, arrival epoch ms] of the newest entries near `last`, newest first. */
  tail: Array<[string, number]>;
}

export function emptyTally(cuts: number[]): Tally {
  return { cuts, buckets: new Map(), last: -Infinity, tail: [] };
}

/** `into` plus `other` (the same cuts), in place. */
export function addTally(into: Tally, other: Tally): Tally {
  for (const [bucket, { all, fresh }] of other.buckets) {
    const current = into.buckets.get(bucket) ?? { all: 0, fresh: 0 };
    into.buckets.set(bucket, { all: current.all + all, fresh: current.fresh + fresh });
  }
  into.last = Math.max(into.last, other.last);
  into.tail = [...into.tail, ...other.tail].sort((a, b) => b[1] - a[1]).slice(0, TAIL_IDS);
  return into;
}

export function tallyTotal(tally: Tally): number {
  let n = 0;
  for (const { all } of tally.buckets.values()) n += all;
  return n;
}

/** The first bucket whose entries are all at or after `ms`, or undefined when `ms` is not a cut. */
export function bucketFrom(tally: Pick<Tally, "cuts">, ms: number): number | undefined {
  const i = tally.cuts.indexOf(ms);
  return i < 0 ? undefined : i + 1;
}
