import { FINGERPRINT_VERSION } from "../cluster/fingerprint.js";
import { addTally, emptyTally, tallyTotal, type Tally } from "../cluster/tally.js";
import type { GardenerConfig } from "../config/schema.js";
import { severityRank, type LogEntry, type Severity } from "../entries/log-entry.js";
import { MARKER_VERSION, type Cursor, type IssueState, type LinkedCursor } from "../issue-body/marker.js";
import type { Redactor } from "../safety/redact.js";
import type { TriagedCluster } from "../triage/triage.js";
import { advanceCursor, bandStart, linkedLimit, uncounted, type Arrival } from "./counting.js";
import { tallyAfter, tallyPoints, uncountedTally } from "./tally-counting.js";

/** What this pass counts for one issue, with the cursors moved past it. */
export interface Counting {
  /** Entries counted (sources that hand over each entry). */
  counted: LogEntry[];
  /** Counts counted in the store (Log Analytics). */
  tallies: Tally[];
  /** How many entries this pass counts in all. */
  n: number;
  cursor: Cursor;
  linked?: LinkedCursor[];
  /** The source stopped early and entries older than what it read may belong here: `n` is a lower bound. */
  atLeast: boolean;
}

/** What one cluster adds to a counting, against one cursor. */
function countCluster(cluster: TriagedCluster, cursor?: Cursor) {
  if (cluster.tally) {
    const tally = uncountedTally(cluster.tally, cursor);
    return { entries: [], tally, n: tallyTotal(tally), points: tallyPoints(tally) };
  }
  const entries = cursor ? uncounted(cluster.entries, cursor) : cluster.entries;
  return { entries, tally: undefined, n: entries.length, points: entries as Arrival[] };
}

/**
 * Counts each cluster against its own fingerprint's cursor: linked patterns keep theirs (`/garden link`).
 * `readFrom` (a source that stopped early) marks the count a lower bound where a cursor's uncounted range
 * reaches back past what was read.
 */
export function countGroup(group: TriagedCluster[], previous?: IssueState, readFrom?: number): Counting {
  const linked = (previous?.linked ?? []).map((g) => ({ ...g }));
  const main: Arrival[] = [];
  const counting: Counting = { counted: [], tallies: [], n: 0, cursor: advanceCursor([]), atLeast: false };
  for (const cluster of group) {
    const own = linked.find((g) => g.fps.includes(cluster.fingerprint));
    const cursor = own ?? previous;
    if (readFrom !== undefined && (!cursor || bandStart(cursor) <= readFrom)) counting.atLeast = true;
    const part = countCluster(cluster, cursor);
    counting.counted.push(...part.entries);
    if (part.tally) counting.tallies.push(part.tally);
    counting.n += part.n;
    if (own) Object.assign(own, advanceCursor(part.points, own, linkedLimit(linked.length)));
    else main.push(...part.points);
  }
  counting.cursor = advanceCursor(main, previous);
  if (linked.length > 0) counting.linked = linked;
  return counting;
}

/** What a counting holds after `ms` (a close and its grace): for a regression, as a cluster of its own. */
export function countedAfter(counting: Counting, cluster: TriagedCluster, ms: number) {
  const entries = counting.counted.filter((e) => e.timestamp.getTime() > ms);
  const tallies = counting.tallies.map((t) => tallyAfter(t, ms));
  const n = entries.length + tallies.reduce((sum, t) => sum + tallyTotal(t), 0);
  const tally =
    tallies.length > 0 ? tallies.reduce((a, b) => addTally(a, b), emptyTally(tallies[0]!.cuts)) : undefined;
  return { n, cluster: { ...cluster, entries, tally, count: n } };
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
    tally: group.some((c) => c.tally)
      ? group.reduce(
          (t, c) => (c.tally ? addTally(t, c.tally) : t),
          emptyTally(group.find((c) => c.tally)!.tally!.cuts),
        )
      : undefined,
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
  const counted = counting.n;
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
    total: (previous?.total ?? 0) + counted,
    ...(previous?.atLeast || counting.atLeast ? { atLeast: true } : {}),
    firstSeen: previous ? earlier(previous.firstSeen, first) : first,
    lastSeen: previous ? later(previous.lastSeen, last) : last,
    ...counting.cursor,
    linked: counting.linked,
    history: [
      ...(previous?.history ?? []),
      { at: now.toISOString(), count: counted, ...(counting.atLeast ? { atLeast: true } : {}) },
    ].slice(-config.issues.historyRuns),
    snooze: previous?.snooze,
    impact: previous?.impact,
    rev: previous?.rev,
  };
}
