import type { MalformedRecord } from "../entries/file-source.js";
import type { LogEntry, Severity } from "../entries/log-entry.js";
import type { Priority } from "../config/schema.js";
import type { Redactor } from "../safety/redact.js";
import type { TriagedCluster } from "../triage/triage.js";

export interface PassInput {
  generatedAt: Date;
  project?: string;
  source: string;
  severityFloor: Severity;
  timeRange: { from?: Date; to?: Date };
  read: number;
  belowFloor: number;
  malformed: MalformedRecord[];
  /** False when the per-run cap stopped reading: then `atLeast` is a lower bound of what matched. */
  complete: boolean;
  atLeast: number;
  /** When incomplete: the oldest time read back to (entries are read newest first). */
  readFrom?: Date;
  reading?: { requests: number; pacedMs: number };
  /** Entries the store counted that had no payload to read a message from. */
  withoutMessage?: number;
  query?: { view: string; bytesProcessed: number; maximumBytesBilled: number };
}

export interface WorklogCluster {
  fingerprint: string;
  template: string;
  count: number;
  /** The pass stopped before its window was read: `count` is a lower bound. */
  atLeast?: boolean;
  priority: Priority;
  category: string;
  severity: Severity;
  severities: Partial<Record<Severity, number>>;
  firstSeen: string;
  lastSeen: string;
  service?: string;
  logger?: string;
  function?: string;
  locations: string[];
  reason: string;
  businessImpact: string;
  technicalImpact: string;
  sample: Record<string, unknown>;
  issue?: { number: number; url: string; action: string };
}

/** A pattern that qualifies for an issue and waits for a later pass. */
export interface WorklogDeferred {
  fingerprint: string;
  template: string;
  priority: Priority;
  count: number;
  firstSeen: string;
  lastSeen: string;
  service?: string;
  /** Why it waits, in words. */
  reason: string;
  /** First deferred (kept by the dashboard). */
  since?: string;
  /** A maintainer asked for it: filed in the next pass. */
  requested?: boolean;
}

/** New patterns in this pass: the first-pass budget, the backlog and the storm check. */
export interface WorklogIntake {
  /** Every pattern that waits, in the order it will be filed. */
  deferred: WorklogDeferred[];
  newPatterns: number;
  /** The usual number of new patterns per pass (median of the recorded passes). */
  usual: number;
  firstPass: boolean;
  /** The dashboard keeps the backlog; otherwise waiting patterns are found again in later windows. */
  durable: boolean;
  maxNewPerPass: number;
  storm?: {
    event: "started" | "continues" | "ended";
    startedAt: string;
    endedAt?: string;
    passes: number;
    newPatterns: number;
    peak: number;
    usual: number;
    threshold: number;
    filed: number;
  };
}

export interface Worklog {
  generatedAt: string;
  project?: string;
  services: string[];
  source: string;
  severityFloor: Severity;
  timeRange: { from?: string; to?: string };
  entries: {
    read: number;
    analyzed: number;
    belowFloor: number;
    complete: boolean;
    atLeast: number;
    readFrom?: string;
    requests?: number;
    pacedSeconds?: number;
    withoutMessage?: number;
  };
  /** The Log Analytics query's cost (source: log-analytics). */
  query?: { view: string; bytesProcessed: number; maximumBytesBilled: number };
  malformed: { count: number; examples: MalformedRecord[] };
  summary: { clusters: number; byPriority: Record<Priority, number> };
  clusters: WorklogCluster[];
  recommendations: { immediate: WorklogCluster[]; shortTerm: WorklogCluster[]; longTerm: WorklogCluster[] };
  notes: string[];
  /** Set by a pass that plans issues (not by a plain analysis). */
  intake?: WorklogIntake;
}

const MAX_MALFORMED_EXAMPLES = 10;

/** A compact, redacted view of one entry for people to read. */
export function sampleView(entry: LogEntry, redactor: Redactor): Record<string, unknown> {
  const view = {
    timestamp: entry.timestamp.toISOString(),
    severity: entry.severity,
    message: entry.message,
    service: entry.service,
    logger: entry.logger,
    sourceLocation: entry.sourceLocation,
    httpRequest: entry.httpRequest,
    trace: entry.trace,
    insertId: entry.insertId,
  };
  return redactor.redactValue(JSON.parse(JSON.stringify(view)) as Record<string, unknown>);
}

export function worklogCluster(cluster: TriagedCluster, redactor: Redactor): WorklogCluster {
  return {
    fingerprint: cluster.fingerprint,
    template: redactor.redactTemplate(cluster.template),
    count: cluster.count,
    priority: cluster.triage.priority,
    category: cluster.triage.category,
    severity: cluster.maxSeverity,
    severities: cluster.severities,
    firstSeen: cluster.firstSeen.toISOString(),
    lastSeen: cluster.lastSeen.toISOString(),
    service: cluster.service,
    logger: cluster.logger,
    function: cluster.function,
    locations: cluster.locations,
    reason: cluster.triage.reason,
    businessImpact: cluster.triage.businessImpact,
    technicalImpact: cluster.triage.technicalImpact,
    sample: sampleView(cluster.samples[0], redactor),
  };
}

export function buildWorklog(input: PassInput, clusters: TriagedCluster[], redactor: Redactor): Worklog {
  const items = clusters.map((c) => ({
    ...worklogCluster(c, redactor),
    ...(input.complete ? {} : { atLeast: true }),
  }));
  const byPriority = { P0: 0, P1: 0, P2: 0, P3: 0, P4: 0, P5: 0 };
  for (const c of items) byPriority[c.priority]++;
  const analyzed = items.reduce((sum, c) => sum + c.count, 0);
  const iso = (d?: Date) => d?.toISOString();
  return {
    generatedAt: input.generatedAt.toISOString(),
    project: input.project,
    services: [...new Set(items.map((c) => c.service).filter((s): s is string => !!s))].sort(),
    source: input.source,
    severityFloor: input.severityFloor,
    timeRange: {
      from: iso(input.timeRange.from) ?? items.map((c) => c.firstSeen).sort()[0],
      to:
        iso(input.timeRange.to) ??
        items
          .map((c) => c.lastSeen)
          .sort()
          .at(-1),
    },
    entries: {
      read: input.read,
      analyzed,
      belowFloor: input.belowFloor,
      complete: input.complete,
      atLeast: input.atLeast,
      readFrom: iso(input.readFrom),
      requests: input.reading?.requests,
      pacedSeconds: input.reading ? Math.round(input.reading.pacedMs / 100) / 10 : undefined,
      withoutMessage: input.withoutMessage || undefined,
    },
    query: input.query,
    // A malformed record's place and reason may quote the record: redacted like the rest.
    malformed: {
      count: input.malformed.length,
      examples: redactor.redactValue(input.malformed.slice(0, MAX_MALFORMED_EXAMPLES)),
    },
    summary: { clusters: items.length, byPriority },
    clusters: items,
    recommendations: {
      immediate: items.filter((c) => c.priority <= "P1"),
      shortTerm: items.filter((c) => c.priority === "P2" || c.priority === "P3"),
      longTerm: items.filter((c) => c.priority >= "P4"),
    },
    notes: [],
  };
}
