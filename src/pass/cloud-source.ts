import type { ClientOptions } from "google-gax";
import type { GardenerConfig } from "../config/schema.js";
import { readCloudLogging } from "../google/read-entries.js";
import type { SourceResult } from "./analyze.js";

export type ReadLogs = (
  config: GardenerConfig & { project: string },
  window: { from: Date; to: Date },
) => Promise<SourceResult>;

/** Reads a repo's window from Cloud Logging; `client` points the client elsewhere (tests: the fake server). */
export function cloudLogSource(client?: ClientOptions): ReadLogs {
  return async (config, { from, to }) => {
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
      { maxEntries: config.maxEntries, ...(client ? { client } : {}) },
    );
    return {
      source: `Cloud Logging (${config.project})`,
      entries: result.entries,
      malformed: result.malformed,
      complete: result.complete,
      atLeast: result.atLeast,
      timeRange: { from, to },
    };
  };
}
