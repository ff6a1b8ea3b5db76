import { clusterEntries } from "../cluster/aggregate.js";
import type { MinerState } from "../cluster/miner.js";
import type { GardenerConfig } from "../config/schema.js";
import type { MalformedRecord } from "../entries/file-source.js";
import { severityRank, type LogEntry } from "../entries/log-entry.js";
import { createRedactor, type Redactor } from "../safety/redact.js";
import { triageClusters, type TriagedCluster } from "../triage/triage.js";
import { buildWorklog, type Worklog } from "../worklog/build.js";

/** What a source hands to the pass: entries plus an honest account of what it could not read. */
export interface SourceResult {
  source: string;
  entries: LogEntry[];
  malformed: MalformedRecord[];
  complete: boolean;
  atLeast: number;
  timeRange: { from?: Date; to?: Date };
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
  const { clusters, minerState: state } = clusterEntries(kept, {
    samples: config.issues.samples,
    minerState,
  });
  const triaged = triageClusters(clusters, config);
  const worklog = buildWorklog(
    {
      generatedAt: now,
      project: config.project,
      source: input.source,
      severityFloor: config.severity,
      timeRange: input.timeRange,
      read: input.entries.length,
      belowFloor: input.entries.length - kept.length,
      malformed: input.malformed,
      complete: input.complete,
      atLeast: input.atLeast,
    },
    triaged,
    redactor,
  );
  return { clusters: triaged, worklog, minerState: state };
}
