import type { LogEntry, Severity } from "../entries/log-entry.js";
import { severityRank } from "../entries/log-entry.js";
import { fingerprint } from "./fingerprint.js";
import { TemplateMiner, type MinerParams, type MinerState } from "./miner.js";
import type { Tally } from "./tally.js";

export interface Cluster {
  /** Stable identity of the pattern: template id, service, logger/module and function. */
  fingerprint: string;
  templateId: string;
  template: string;
  service?: string;
  logger?: string;
  function?: string;
  count: number;
  firstSeen: Date;
  lastSeen: Date;
  /** Occurrences per severity. */
  severities: Partial<Record<Severity, number>>;
  maxSeverity: Severity;
  /** Source files and lines seen (they shift between deploys, so they are not part of the fingerprint). */
  locations: string[];
  samples: LogEntry[];
  /** The entries themselves (a pass is capped by maxEntries): the sync counts only those not counted before. */
  entries: LogEntry[];
  /** Instead of `entries`, counts between the pass's cuts (a source that counts in the store). */
  tally?: Tally;
}

export interface ClusterOptions {
  samples: number;
  minerState?: MinerState;
  maxLocations?: number;
  /** Miner threshold overrides (benchmarks and tuning only). */
  params?: Partial<MinerParams>;
}

export function identity(entry: LogEntry) {
  return {
    logger: entry.logger ?? entry.sourceLocation?.module,
    function: entry.sourceLocation?.function,
  };
}

/**
 * Keeps the most recent entry plus entries that differ most from those kept: a new severity first, then a
 * message text not yet shown. Bounded by `max`, so memory does not grow with the number of entries.
 */
export function offerSample(samples: LogEntry[], entry: LogEntry, max: number): void {
  const latest = samples[0];
  if (!latest || entry.timestamp >= latest.timestamp) {
    samples.unshift(entry);
    if (latest && latest.message === entry.message && latest.severity === entry.severity)
      samples.splice(1, 1);
  } else {
    const novelSeverity = !samples.some((s) => s.severity === entry.severity);
    const novelText = !samples.some((s) => s.message === entry.message);
    if (!novelSeverity && !(novelText && samples.length < max)) return;
    samples.push(entry);
  }
  if (samples.length > max) {
    const duplicate = samples.findIndex(
      (s, i) => i > 0 && samples.some((o, j) => j !== i && o.severity === s.severity),
    );
    samples.splice(duplicate > 0 ? duplicate : samples.length - 1, 1);
  }
}

/**
 * Groups entries into clusters by mined template and identity: every message is observed first, so that
 * the templates are final (see `TemplateMiner.finish`) before the entries are grouped.
 */
export function clusterEntries(entries: Iterable<LogEntry>, options: ClusterOptions) {
  const miner = new TemplateMiner(options.minerState, { params: options.params });
  const observed: Array<{ entry: LogEntry; handle: number }> = [];
  for (const entry of entries) observed.push({ entry, handle: miner.observe(entry.message) });
  miner.finish();
  const clusters = new Map<string, Cluster>();
  /** The fingerprint of each entry's cluster, in input order. */
  const assigned: string[] = [];
  for (const { entry, handle } of observed) {
    const match = miner.resolve(handle);
    const who = identity(entry);
    const fp = fingerprint(match.id, entry.service, who.logger, who.function);
    assigned.push(fp);
    let cluster = clusters.get(fp);
    if (!cluster) {
      cluster = {
        fingerprint: fp,
        templateId: match.id,
        template: match.template,
        service: entry.service,
        ...who,
        count: 0,
        firstSeen: entry.timestamp,
        lastSeen: entry.timestamp,
        severities: {},
        maxSeverity: entry.severity,
        locations: [],
        samples: [],
        entries: [],
      };
      clusters.set(fp, cluster);
    }
    cluster.count++;
    cluster.entries.push(entry);
    if (entry.timestamp < cluster.firstSeen) cluster.firstSeen = entry.timestamp;
    if (entry.timestamp > cluster.lastSeen) cluster.lastSeen = entry.timestamp;
    cluster.severities[entry.severity] = (cluster.severities[entry.severity] ?? 0) + 1;
    if (severityRank(entry.severity) > severityRank(cluster.maxSeverity))
      cluster.maxSeverity = entry.severity;
    const file = entry.sourceLocation?.file;
    const where = file
      ? `${file}${entry.sourceLocation?.line ? `:${entry.sourceLocation.line}` : ""}`
      : undefined;
    if (
      where &&
      !cluster.locations.includes(where) &&
      cluster.locations.length < (options.maxLocations ?? 5)
    ) {
      cluster.locations.push(where);
    }
    offerSample(cluster.samples, entry, options.samples);
  }
  return { clusters: [...clusters.values()], minerState: miner.state(), assigned };
}
