import { Logging, type Entry } from "@google-cloud/logging";
import type { ClientOptions } from "google-gax";
import type { LogEntry } from "../entries/log-entry.js";
import { normalizeEntry } from "../entries/normalize.js";
import { checkCredentials, type HostProbe } from "./credentials.js";
import { CloudLoggingError } from "./errors.js";
import { buildFilter, type LogQuery } from "./filter.js";

export interface RetryPolicy {
  /** Tries per page, the first included. */
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export interface ReadOptions {
  /**
   * Options for the `Logging` client: apiEndpoint, port, sslCreds, universeDomain, credentials,
   * keyFilename… With `sslCreds`, `credentials`, `keyFilename`, `authClient` or `auth` the ADC check is skipped.
   * `universeDomain` defaults to "googleapis.com", so the client never asks a metadata server for it.
   */
  client?: ClientOptions;
  /** Entries per ListLogEntries call; default and maximum 1000 (the API rejects more). */
  pageSize?: number;
  /** Stop after this many entries; default 10000. */
  maxEntries?: number;
  /** Per-page retry on RESOURCE_EXHAUSTED / UNAVAILABLE / DEADLINE_EXCEEDED; default 5 attempts, 1 s → 30 s. */
  retry?: Partial<RetryPolicy>;
  /** Deadline of each call; default 60 s. */
  timeoutMs?: number;
  /** Runs the ADC check against this environment (tests pass a fake one), even with explicit client credentials. */
  credentials?: { env?: Record<string, string | undefined>; homedir?: string; host?: HostProbe };
  /** Told before each retry's sleep (for logging). */
  onRetry?: (info: { page: number; attempt: number; code: number; delayMs: number }) => void;
  /** Source of jitter, [0, 1); default Math.random. */
  random?: () => number;
  /**
   * ListLogEntries calls per minute at most (default 50): Cloud Logging allows 60 a minute per project,
   * shared with everyone reading it, so a long read waits rather than exhausting the quota.
   */
  requestsPerMinute?: number;
  /** The clock the pacing reads and sleeps on (tests pass a virtual one). */
  clock?: PaceClock;
}

export interface PaceClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export interface MalformedRecord {
  /** e.g. "page 2, entry 5 (insertId abc)". */
  where: string;
  reason: string;
}

export interface ReadResult {
  /** Normalized entries, oldest first. */
  entries: LogEntry[];
  /** False when `maxEntries` stopped the read while more entries matched. */
  complete: boolean;
  /** A lower bound of how many entries matched (malformed ones included); exact when complete. */
  atLeast: number;
  /** ListLogEntries pages read (successful calls). */
  pages: number;
  /** Time spent waiting to stay under the per-minute quota. */
  pacedMs: number;
  malformed: MalformedRecord[];
  /** The Cloud Logging filter that was sent. */
  filter: string;
}

export const DEFAULT_PAGE_SIZE = 1000;
export const DEFAULT_MAX_ENTRIES = 10_000;
export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, initialDelayMs: 1000, maxDelayMs: 30_000 };
export const DEFAULT_TIMEOUT_MS = 60_000;
export const VIEWER_ROLE = "roles/logging.viewer";
export const DEFAULT_REQUESTS_PER_MINUTE = 50;

/** gRPC status codes used here. */
const Code = {
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;
const CODE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(Code).map(([k, v]) => [v, k]));
const RETRYABLE: ReadonlySet<number> = new Set([
  Code.RESOURCE_EXHAUSTED,
  Code.UNAVAILABLE,
  Code.DEADLINE_EXCEEDED,
]);

type PageRequest = {
  resourceNames: string[];
  filter: string;
  orderBy: string;
  pageSize: number;
  pageToken?: string;
};

function grpcCodeOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "number" ? code : undefined;
}

/** The server's one-line reason, without gRPC's "7 PERMISSION_DENIED: " prefix. */
function detailsOf(error: unknown): string {
  const e = error as { details?: unknown; message?: unknown } | null;
  const text = typeof e?.details === "string" && e.details ? e.details : String(e?.message ?? error);
  return text
    .replace(/^\d+ [A-Z_]+: /, "")
    .split("\n")[0]!
    .slice(0, 300);
}

/** Exponential backoff with "equal jitter": half the step fixed, half random. */
export function backoffDelay(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const step = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (attempt - 1));
  return Math.round(step / 2 + (step / 2) * random());
}

function userError(error: unknown, q: LogQuery, principal: string, filter: string): CloudLoggingError {
  const code = grpcCodeOf(error);
  const grant = `grant ${VIEWER_ROLE} on project ${q.projectId} to ${principal}`;
  const options = { grpcCode: code, cause: error };
  switch (code) {
    case Code.PERMISSION_DENIED:
      return new CloudLoggingError(
        "PERMISSION_DENIED",
        `Cloud Logging denied reading the logs of project ${q.projectId} (PERMISSION_DENIED): ${grant}`,
        options,
      );
    case Code.UNAUTHENTICATED:
      return new CloudLoggingError(
        "UNAUTHENTICATED",
        `Cloud Logging rejected the Google credentials for project ${q.projectId} (UNAUTHENTICATED): ` +
          `renew them (GOOGLE_APPLICATION_CREDENTIALS or \`gcloud auth application-default login\`) and ${grant}`,
        options,
      );
    case Code.NOT_FOUND:
      return new CloudLoggingError(
        "NOT_FOUND",
        `Cloud Logging found no project ${q.projectId} (NOT_FOUND): check the project id, and ${grant}`,
        options,
      );
    case Code.INVALID_ARGUMENT:
      return new CloudLoggingError(
        "INVALID_ARGUMENT",
        `Cloud Logging rejected the query for project ${q.projectId} (INVALID_ARGUMENT: ${detailsOf(error)}); ` +
          `filter: ${filter}`,
        options,
      );
    default:
      return new CloudLoggingError(
        "UNKNOWN",
        `Reading Cloud Logging for project ${q.projectId} failed` +
          `${code !== undefined ? ` (${CODE_NAMES[code] ?? `gRPC code ${code}`})` : ""}: ${detailsOf(error)}`,
        options,
      );
  }
}

/**
 * gRPC reports a credentials plugin that can't get a token (revoked refresh token, bad key…) as
 * UNAVAILABLE; retrying won't help.
 */
function isTokenFailure(error: unknown): boolean {
  return (
    grpcCodeOf(error) === Code.UNAVAILABLE && /Getting metadata from plugin failed/i.test(detailsOf(error))
  );
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const realClock: PaceClock = { now: () => Date.now(), sleep };

/** Waits, when needed, so that no 60-second span holds more than `perMinute` calls. */
function pacer(perMinute: number, clock: PaceClock) {
  const sent: number[] = [];
  let waited = 0;
  return {
    async beforeCall(): Promise<void> {
      if (sent.length >= perMinute) {
        const wait = sent[sent.length - perMinute]! + 60_000 - clock.now();
        if (wait > 0) {
          waited += wait;
          await clock.sleep(wait);
        }
      }
      sent.push(clock.now());
    },
    waited: () => waited,
  };
}

/** A client Entry back in LogEntry JSON form: metadata plus the payload the client split off. */
export function rawEntryOf(entry: Entry): Record<string, unknown> {
  const metadata = { ...(entry.metadata as Record<string, unknown>) };
  const kind = metadata.payload;
  delete metadata.payload;
  delete metadata.jsonPayload;
  delete metadata.textPayload;
  delete metadata.protoPayload;
  if (kind === "jsonPayload") metadata.jsonPayload = entry.data;
  else if (kind === "textPayload") metadata.textPayload = entry.data;
  else if (kind === "protoPayload") {
    // An Any (audit logs…): keep its type only, its bytes mean nothing without the message's proto.
    const any = entry.data as { type_url?: unknown; typeUrl?: unknown } | undefined;
    metadata.protoPayload = { "@type": any?.type_url ?? any?.typeUrl ?? "unknown" };
  }
  return metadata;
}

function needsAdcCheck(client: ClientOptions): boolean {
  const c = client as Record<string, unknown>;
  return !["sslCreds", "credentials", "keyFilename", "keyFile", "authClient", "auth"].some(
    (k) => c[k] !== undefined,
  );
}

/**
 * Reads the entries matching `q` from Cloud Logging, oldest first, page by page through the real
 * `@google-cloud/logging` client. Throws FilterError for a bad query and CloudLoggingError for missing
 * credentials, access problems and retries exhausted; records that can't be normalized are reported in
 * `malformed` and skipped.
 */
export async function readCloudLogging(q: LogQuery, opts: ReadOptions = {}): Promise<ReadResult> {
  const filter = buildFilter(q);
  if (!/^[a-z0-9.:-]+$/i.test(q.projectId)) {
    throw new CloudLoggingError(
      "INVALID_ARGUMENT",
      `Invalid Google Cloud project id: ${JSON.stringify(q.projectId)}`,
    );
  }
  // Cloud Logging rejects page sizes above 1000.
  const pageSize = Math.min(1000, Math.max(1, Math.floor(opts.pageSize ?? DEFAULT_PAGE_SIZE)));
  const maxEntries = Math.max(1, Math.floor(opts.maxEntries ?? DEFAULT_MAX_ENTRIES));
  const retry: RetryPolicy = { ...DEFAULT_RETRY, ...opts.retry };
  const random = opts.random ?? Math.random;
  const clientOptions: ClientOptions = {
    universeDomain: "googleapis.com",
    ...opts.client,
    projectId: q.projectId,
  };

  let principal = "the service account this app runs as";
  if (opts.credentials || needsAdcCheck(clientOptions)) {
    const c = opts.credentials ?? {};
    principal = checkCredentials(c.env, c.homedir, c.host).principal;
  }

  const logging = new Logging(clientOptions);
  const result: ReadResult = {
    entries: [],
    complete: true,
    atLeast: 0,
    pages: 0,
    pacedMs: 0,
    malformed: [],
    filter,
  };
  const pace = pacer(
    Math.max(1, Math.floor(opts.requestsPerMinute ?? DEFAULT_REQUESTS_PER_MINUTE)),
    opts.clock ?? realClock,
  );
  try {
    const request: PageRequest = {
      resourceNames: [`projects/${q.projectId}`],
      filter,
      // Newest first: when the cap stops reading, what is left out is the oldest part of the window,
      // which earlier overlapping passes have already counted, not the newest.
      orderBy: "timestamp desc",
      pageSize,
    };

    const fetchPage = async (page: number): Promise<{ entries: Entry[]; nextPageToken?: string }> => {
      for (let attempt = 1; ; attempt++) {
        try {
          await pace.beforeCall();
          const [entries, next] = await logging.getEntries({
            ...request,
            autoPaginate: false,
            // Our retry is the only one: gax's default retries UNAVAILABLE for up to 60 s on its own.
            gaxOptions: { retry: { retryCodes: [] }, timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS },
          });
          const token = next?.pageToken;
          return { entries, nextPageToken: typeof token === "string" && token !== "" ? token : undefined };
        } catch (error) {
          const code = grpcCodeOf(error);
          if (isTokenFailure(error)) {
            throw new CloudLoggingError(
              "UNAUTHENTICATED",
              `Could not get a Google access token to read project ${q.projectId} (${detailsOf(error)}): ` +
                "renew the credentials (GOOGLE_APPLICATION_CREDENTIALS or `gcloud auth application-default login`)",
              { grpcCode: code, cause: error },
            );
          }
          if (code === undefined || !RETRYABLE.has(code)) throw userError(error, q, principal, filter);
          if (attempt >= retry.maxAttempts) {
            throw new CloudLoggingError(
              "RETRIES_EXHAUSTED",
              `Cloud Logging kept failing with ${CODE_NAMES[code]} for project ${q.projectId} ` +
                `(${attempt} attempts on page ${page}): ${detailsOf(error)}; try again later` +
                (code === Code.RESOURCE_EXHAUSTED
                  ? " or lower the read rate (the quota is per project)"
                  : ""),
              { grpcCode: code, cause: error },
            );
          }
          const delayMs = backoffDelay(attempt, retry, random);
          opts.onRetry?.({ page, attempt, code, delayMs });
          await sleep(delayMs);
        }
      }
    };

    let token: string | undefined;
    for (let page = 1; ; page++) {
      const { entries, nextPageToken } = await fetchPage(page);
      result.pages++;
      result.atLeast += entries.length;
      const room = maxEntries - result.entries.length - result.malformed.length;
      entries.slice(0, room).forEach((entry, index) => {
        try {
          result.entries.push(normalizeEntry(rawEntryOf(entry)));
        } catch (error) {
          const id = (entry.metadata as { insertId?: unknown }).insertId;
          result.malformed.push({
            where: `page ${page}, entry ${index + 1}${typeof id === "string" && id ? ` (insertId ${id})` : ""}`,
            reason: error instanceof Error ? error.message : String(error),
          });
        }
      });
      token = nextPageToken;
      if (entries.length > room) {
        result.complete = false;
        break;
      }
      if (!token) break;
      if (result.entries.length + result.malformed.length >= maxEntries) {
        // The cap falls on a page boundary: one more page tells whether anything is left, and how much.
        request.pageToken = token;
        const probe = await fetchPage(page + 1);
        result.pages++;
        result.atLeast += probe.entries.length;
        result.complete = probe.entries.length === 0 && !probe.nextPageToken;
        break;
      }
      request.pageToken = token;
    }
    result.entries.reverse(); // back to time order for the rest of the pass
    result.pacedMs = pace.waited();
    return result;
  } finally {
    await closeClient(logging);
  }
}

async function closeClient(logging: Logging): Promise<void> {
  const services = [logging.loggingService, logging.configService] as Array<
    { close?: () => Promise<void> } | undefined
  >;
  await Promise.all(services.map((s) => s?.close?.().catch(() => undefined)));
}
