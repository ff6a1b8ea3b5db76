import { severityRank, type LogEntry, type Severity } from "../entries/log-entry.js";
import { identity, offerSample, type Cluster, type ClusterOptions } from "./aggregate.js";
import { fingerprint } from "./fingerprint.js";
import { TemplateMiner } from "./miner.js";
import { addTally, emptyTally, type Tally } from "./tally.js";

/** A group of entries counted in the store: all of them share service, logger, function and message shape. */
export interface CountedGroup {
  service?: string;
  logger?: string;
  function?: string;
  count: number;
  firstSeen: Date;
  lastSeen: Date;
  severities: Partial<Record<Severity, number>>;
  /** `file:line` with the time it was first seen. */
  locations: Array<{ where: string; first: number }>;
  /** A few of the group's entries, in time order (at least one). */
  samples: LogEntry[];
  tally: Tally;
}

const byTime = (a: LogEntry, b: LogEntry) => a.timestamp.getTime() - b.timestamp.getTime();

/**
 * Clusters groups counted by the store as `clusterEntries` clusters entries: each group's message is mined
 * once with the group's count as its weight, in the order the groups first appeared, and groups that land
 * on one fingerprint add their counts. A group never splits: all its messages have one shape to the miner.
 */
export function clusterGroups(groups: CountedGroup[], options: ClusterOptions & { cuts: number[] }) {
  const miner = new TemplateMiner(options.minerState);
  const ordered = groups
    .filter((g) => g.samples.length > 0 && g.count > 0)
    .sort(
      (a, b) =>
        a.firstSeen.getTime() - b.firstSeen.getTime() ||
        a.samples[0]!.message.localeCompare(b.samples[0]!.message),
    );
  const handles = ordered.map((group) => miner.observe(group.samples[0]!.message, group.count));
  miner.finish();
  const clusters = new Map<string, Cluster & { candidates: LogEntry[]; firstAt: Map<string, number> }>();
  ordered.forEach((group, i) => {
    const match = miner.resolve(handles[i]!);
    const who = identity(group.samples[0]!);
    const fp = fingerprint(match.id, group.service, who.logger, who.function);
    let cluster = clusters.get(fp);
    if (!cluster) {
      cluster = {
        fingerprint: fp,
        templateId: match.id,
        template: match.template,
        service: group.service,
        ...who,
        count: 0,
        firstSeen: group.firstSeen,
        lastSeen: group.lastSeen,
        severities: {},
        maxSeverity: "DEFAULT",
        locations: [],
        samples: [],
        entries: [],
        tally: emptyTally(options.cuts),
        candidates: [],
        firstAt: new Map(),
      };
      clusters.set(fp, cluster);
    }
    cluster.count += group.count;
    if (group.firstSeen < cluster.firstSeen) cluster.firstSeen = group.firstSeen;
    if (group.lastSeen > cluster.lastSeen) cluster.lastSeen = group.lastSeen;
    for (const [severity, n] of Object.entries(group.severities) as Array<[Severity, number]>) {
      cluster.severities[severity] = (cluster.severities[severity] ?? 0) + n;
      if (n > 0 && severityRank(severity) > severityRank(cluster.maxSeverity)) cluster.maxSeverity = severity;
    }
    for (const { where, first } of group.locations) {
      cluster.firstAt.set(where, Math.min(first, cluster.firstAt.get(where) ?? Infinity));
    }
    cluster.candidates.push(...group.samples);
    addTally(cluster.tally!, group.tally);
  });
  const result: Cluster[] = [];
  for (const { candidates, firstAt, ...cluster } of clusters.values()) {
    cluster.locations = [...firstAt]
      .sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]))
      .slice(0, options.maxLocations ?? 5)
      .map(([where]) => where);
    // The same rule as for entries, over the candidates in time order.
    for (const entry of candidates.sort(byTime)) offerSample(cluster.samples, entry, options.samples);
    result.push(cluster);
  }
  return { clusters: result, minerState: miner.state() };
}
