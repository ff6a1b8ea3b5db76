import { FINGERPRINT_VERSION } from "../cluster/fingerprint.js";
import type { GardenerConfig } from "../config/schema.js";
import { severityRank, type LogEntry, type Severity } from "../entries/log-entry.js";
import { MARKER_VERSION, type Cursor, type IssueState, type LinkedCursor } from "../issue-body/marker.js";
import type { Redactor } from "../safety/redact.js";
import type { TriagedCluster } from "../triage/triage.js";
import { advanceCursor, linkedLimit, uncounted } from "./counting.js";

/** What this pass counts for one issue, with the cursors moved past it. */
export interface Counting {
  counted: LogEntry[];
  cursor: Cursor;
  linked?: LinkedCursor[];
}

/** Counts each cluster against its own fingerprint's cursor: linked patterns keep theirs (`/garden link`). */
export function countGroup(group: TriagedCluster[], previous?: IssueState): Counting {
  if (!previous) {
    const counted = group.flatMap((c) => c.entries);
    return { counted, cursor: advanceCursor(counted) };
  }
  const linked = (previous.linked ?? []).map((g) => ({ ...g }));
  const main: LogEntry[] = [];
  const counted: LogEntry[] = [];
  for (const cluster of group) {
    const own = linked.find((g) => g.fps.includes(cluster.fingerprint));
    const fresh = uncounted(cluster.entries, own ?? previous);
    counted.push(...fresh);
    if (own) Object.assign(own, advanceCursor(fresh, own, linkedLimit(linked.length)));
    else main.push(...fresh);
  }
  return {
    counted,
    cursor: advanceCursor(main, previous),
    linked: linked.length > 0 ? linked : undefined,
  };
}

const maxSeverity = (a: Severity, b: Severity) => (severityRank(a) >= severityRank(b) ? a : b);

/** Several clusters that belong to one issue (merged patterns) seen as one: the largest leads. */
export function mergeGroup(group: TriagedCluster[], samples: number): TriagedCluster {
  if (group.length === 1) return group[0];
  const [lead] = [...group].sort((a, b) => b.count - a.count);
  const severities: TriagedCluster["severities"] = {};
  for (const c of group) {
    for (const [s, n] of Object.entries(c.severities)) {
      severities[s as Severity] = (severities[s as Severity] ?? 0) + (n ?? 0);
    }
  }
  return {
    ...lead,
    count: group.reduce((n, c) => n + c.count, 0),
    firstSeen: new Date(Math.min(...group.map((c) => c.firstSeen.getTime()))),
    lastSeen: new Date(Math.max(...group.map((c) => c.lastSeen.getTime()))),
    severities,
    maxSeverity: group.map((c) => c.maxSeverity).reduce(maxSeverity),
    locations: [...new Set(group.flatMap((c) => c.locations))],
    samples: group
      .flatMap((c) => c.samples)
      .sort((a, b) => b.timestamp.getTime() - a.timestamp.getTime())
      .slice(0, samples),
    entries: group.flatMap((c) => c.entries),
    triage: group.map((c) => c.triage).reduce((a, b) => (b.priority < a.priority ? b : a)),
  };
}

const earlier = (a: string, b: string) => (Date.parse(a) <= Date.parse(b) ? a : b);
const later = (a: string, b: string) => (Date.parse(a) >= Date.parse(b) ? a : b);

/** The issue's next state: counts, cursors and history moved on by what this pass counted. */
export function nextState(
  cluster: TriagedCluster,
  counting: Counting,
  config: GardenerConfig,
  redactor: Redactor,
  now: Date,
  previous?: IssueState,
): IssueState {
  const { counted } = counting;
  const first = cluster.firstSeen.toISOString();
  const last = cluster.lastSeen.toISOString();
  const aliases = previous
    ? [...new Set([...previous.aliases, cluster.fingerprint])].filter((fp) => fp !== previous.fp)
    : [];
  return {
    v: MARKER_VERSION,
    fp: previous?.fp ?? cluster.fingerprint,
    fpv: previous?.fpv ?? FINGERPRINT_VERSION,
    aliases,
    templateId: cluster.templateId,
    // Redacted like everything posted; a redaction placeholder then acts as one more constant word.
    template: redactor.redactTemplate(cluster.template).slice(0, 2000),
    service: cluster.service,
    logger: cluster.logger,
    function: cluster.function,
    project: config.project,
    severity: previous ? maxSeverity(previous.severity, cluster.maxSeverity) : cluster.maxSeverity,
    priority: previous?.priority ?? cluster.triage.priority,
    priorityPinned: previous?.priorityPinned,
    category: cluster.triage.category,
    rule: cluster.triage.reason,
    total: (previous?.total ?? 0) + counted.length,
    firstSeen: previous ? earlier(previous.firstSeen, first) : first,
    lastSeen: previous ? later(previous.lastSeen, last) : last,
    ...counting.cursor,
    linked: counting.linked,
    history: [...(previous?.history ?? []), { at: now.toISOString(), count: counted.length }].slice(
      -config.issues.historyRuns,
    ),
    snooze: previous?.snooze,
    impact: previous?.impact,
    rev: previous?.rev,
  };
}
