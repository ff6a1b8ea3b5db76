import type { BigQueryOptions } from "@google-cloud/bigquery";
import type { ClientOptions } from "google-gax";
import type { GardenerConfig } from "../config/schema.js";
import { TAIL_IDS } from "../cluster/tally.js";
import { readCloudLogging } from "../google/read-entries.js";
import { LATE_MS } from "../plan/counting.js";
import type { CountingHints } from "../plan/tally-counting.js";
import type { SourceResult } from "./analyze.js";

export type ReadLogs = (
  config: GardenerConfig & { project: string },
  window: { from: Date; to: Date },
  /** The issues' counting cuts: a source that counts in the store needs them; others ignore them. */
  hints?: CountingHints,
) => Promise<SourceResult>;

export interface CloudClients {
  /** Options for the Cloud Logging client (tests: the fake gRPC server). */
  logging?: ClientOptions;
  /** Options for the BigQuery client (tests: the fake BigQuery). */
  bigquery?: BigQueryOptions;
}

/** Reads a repo's window from Cloud Logging (`entries.list`) or counts it in Log Analytics, as its config says. */
export function cloudLogSource(clients: CloudClients = {}): ReadLogs {
  return async (config, { from, to }, hints) => {
    if (config.source === "log-analytics")
      return logAnalyticsSource(config, { from, to }, hints, clients.bigquery);
    const result = await readCloudLogging(
      {
        projectId: config.project,
        resourceType: config.resource.type,
        services: config.resource.services,
        severityFloor: config.severity,
        since: from,
        until: to,
        extraFilter: config.filter || undefined,
      },
      {
        maxEntries: config.maxEntries,
        requestsPerMinute: config.requestsPerMinute,
        ...(clients.logging ? { client: clients.logging } : {}),
      },
    );
    return {
      source: `Cloud Logging (${config.project})`,
      entries: result.entries,
      malformed: result.malformed,
      complete: result.complete,
      atLeast: result.atLeast,
      timeRange: { from, to },
      readFrom: result.complete ? undefined : result.entries[0]?.timestamp,
      reading: { requests: result.pages, pacedMs: result.pacedMs },
    };
  };
}

async function logAnalyticsSource(
  config: GardenerConfig & { project: string },
  { from, to }: { from: Date; to: Date },
  hints: CountingHints | undefined,
  client: BigQueryOptions | undefined,
): Promise<SourceResult> {
  // Imported here so that a repo on the entries source never loads the BigQuery client.
  const { queryLogAnalytics } = await import("../google/log-analytics.js");
  const view = config.logAnalytics.view as string; // the schema requires it for this source
  const cuts = hints?.cuts ?? [];
  const result = await queryLogAnalytics(
    {
      projectId: config.project,
      view,
      resourceType: config.resource.type,
      services: config.resource.services,
      severityFloor: config.severity,
      from,
      to,
      cuts,
      seen: hints?.seen ?? [],
      samples: config.issues.samples,
      tail: TAIL_IDS,
      tailMs: LATE_MS,
    },
    {
      maximumBytesBilled: config.logAnalytics.maximumBytesBilled,
      location: config.logAnalytics.location,
      ...(client ? { client } : {}),
    },
  );
  const total = result.groups.reduce((n, g) => n + g.count, 0);
  return {
    source: `Log Analytics (${view})`,
    entries: [],
    malformed: [],
    complete: true,
    atLeast: total + result.withoutMessage,
    timeRange: { from, to },
    counted: {
      groups: result.groups.map((g) => ({
        ...g,
        tally: {
          cuts,
          buckets: new Map(g.tally.buckets.map((b) => [b.bucket, { all: b.all, fresh: b.fresh }])),
          last: g.tally.lastArrival,
          tail: g.tally.tail,
        },
      })),
      cuts,
      withoutMessage: result.withoutMessage,
    },
    query: {
      view,
      bytesProcessed: result.bytesProcessed,
      maximumBytesBilled: config.logAnalytics.maximumBytesBilled,
    },
  };
}
