import { clusterEntries } from "../cluster/aggregate.js";
import { clusterGroups, type CountedGroup } from "../cluster/group-clusters.js";
import type { MinerState } from "../cluster/miner.js";
import type { GardenerConfig } from "../config/schema.js";
import type { MalformedRecord } from "../entries/file-source.js";
import { severityRank, type LogEntry } from "../entries/log-entry.js";
import type { CountingHints } from "../plan/tally-counting.js";
import { createRedactor, type Redactor } from "../safety/redact.js";
import { triageClusters, type TriagedCluster } from "../triage/triage.js";
import { buildWorklog, type Worklog } from "../worklog/build.js";

/** What a source hands to the pass: entries plus an honest account of what it could not read. */
export interface SourceResult {
  source: string;
  entries: LogEntry[];
  malformed: MalformedRecord[];
  /** False when the cap or the quota stopped reading before the window was read. */
  complete: boolean;
  atLeast: number;
  timeRange: { from?: Date; to?: Date };
  /** When incomplete: every matching entry newer than this was read (the source reads newest first). */
  readFrom?: Date;
  /** How the source read: pages and requests, for the worklog. */
  reading?: { requests: number; pacedMs: number };
  /** Instead of entries: groups counted in the store (Log Analytics), with the cuts they were counted at. */
  counted?: { groups: CountedGroup[]; cuts: number[]; withoutMessage: number };
  /** The store query's cost, for the worklog. */
  query?: { view: string; bytesProcessed: number; maximumBytesBilled: number };
}

/** A source read when the pass knows its issues: a store that counts needs their cursors first. */
export type SourceReader = (hints?: CountingHints) => Promise<SourceResult>;
export type SourceInput = SourceResult | SourceReader;

export function readSource(input: SourceInput, hints?: CountingHints): Promise<SourceResult> {
  return typeof input === "function" ? input(hints) : Promise.resolve(input);
}

export interface Analysis {
  clusters: TriagedCluster[];
  worklog: Worklog;
  minerState: MinerState;
}

/** The pure part of a garden pass: floor, clusters, triage and worklog, with no I/O. */
export function analyze(
  input: SourceResult,
  config: GardenerConfig,
  now: Date,
  minerState?: MinerState,
  redactor: Redactor = createRedactor(config.redaction.extra),
): Analysis {
  const floor = severityRank(config.severity);
  const { from, to } = input.timeRange;
  const kept = input.entries.filter(
    (e) => severityRank(e.severity) >= floor && (!from || e.timestamp >= from) && (!to || e.timestamp < to),
  );
  const options = { samples: config.issues.samples, minerState };
  const { clusters, minerState: state } = input.counted
    ? clusterGroups(input.counted.groups, { ...options, cuts: input.counted.cuts })
    : clusterEntries(kept, options);
  const triaged = triageClusters(clusters, config);
  const counted = input.counted;
  const read = counted
    ? counted.groups.reduce((n, g) => n + g.count, 0) + counted.withoutMessage
    : input.entries.length;
  const worklog = buildWorklog(
    {
      generatedAt: now,
      project: config.project,
      source: input.source,
      severityFloor: config.severity,
      timeRange: input.timeRange,
      read,
      belowFloor: counted ? 0 : input.entries.length - kept.length,
      malformed: input.malformed,
      complete: input.complete,
      atLeast: input.atLeast,
      readFrom: input.readFrom,
      reading: input.reading,
      withoutMessage: counted?.withoutMessage,
      query: input.query,
    },
    triaged,
    redactor,
  );
  return { clusters: triaged, worklog, minerState: state };
}
