import { readFileSync } from "node:fs";
import * as grpc from "@grpc/grpc-js";
import type { ClientOptions } from "google-gax";
import { assetPath } from "../assets.js";
import { loggingEndpoint } from "../google/endpoint.js";
import { queueSettingsFromEnv, type QueueSettings } from "../queue/settings.js";
import { parseAllowList, type AllowList } from "./allow-list.js";
import type { GardenFn } from "./garden.js";
import type { ReadLogs } from "../pass/cloud-source.js";

/** Everything the app reads from the environment, injectable for tests. */
export interface AppOptions {
  /** env GARDENER_ALLOWED_PROJECTS (see allow-list.ts); default: no repo may read any project. */
  allowList?: AllowList;
  /** env GARDENER_RUN_SECRET: bearer secret of POST /garden/run; unset → the route answers 503. */
  runSecret?: string;
  /** env GARDENER_SCHEDULER=off disables the in-process timer (default on). */
  scheduler?: boolean;
  /**
   * Cloud Logging client options; env GARDENER_LOGGING_ENDPOINT=host:port points the client at an
   * emulator over an insecure channel (local testing only).
   */
  googleClient?: ClientOptions;
  readLogs?: ReadLogs;
  garden?: GardenFn;
  now?: () => Date;
  jitterMs?: number;
  tickMs?: number;
  concurrency?: number;
  version?: string;
  /**
   * env REDIS_URL and the GARDENER_* queue settings: every repo-mutating job goes through one BullMQ
   * queue shared by all replicas (see src/queue/). Unset: the in-process scheduler and lock.
   */
  queue?: QueueSettings;
  /** With `queue`: on SIGTERM, finish or release the current job, then exit (the server sets it). */
  exitOnSigterm?: boolean;
}

export function packageVersion(): string {
  try {
    return (
      (JSON.parse(readFileSync(assetPath("package.json"), "utf8")) as { version?: string }).version ??
      "unknown"
    );
  } catch {
    return "unknown";
  }
}

export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): AppOptions & { warnings: string[] } {
  const { list, errors } = parseAllowList(env.GARDENER_ALLOWED_PROJECTS);
  const endpoint = loggingEndpoint(env);
  const queue = queueSettingsFromEnv(env);
  return {
    allowList: list,
    runSecret: env.GARDENER_RUN_SECRET || undefined,
    scheduler: !/^(off|false|0|no)$/i.test(env.GARDENER_SCHEDULER ?? ""),
    googleClient: endpoint ? { ...endpoint, sslCreds: grpc.credentials.createInsecure() } : undefined,
    queue: queue.settings,
    exitOnSigterm: queue.settings !== undefined,
    warnings: [...errors, ...queue.errors],
  };
}
