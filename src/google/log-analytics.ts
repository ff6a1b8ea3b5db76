import { BigQuery, type BigQueryOptions, type Query } from "@google-cloud/bigquery";
import type { CountedGroup } from "../cluster/group-clusters.js";
import type { LogEntry, Severity } from "../entries/log-entry.js";
import { normalizeEntry } from "../entries/normalize.js";
import { checkCredentials } from "./credentials.js";
import { CloudLoggingError } from "./errors.js";
import { buildAggregateQuery, type AggregateQuery, type Column } from "./log-analytics-sql.js";

/** Counts of one group between the pass's cuts: bucket i holds entries with cuts[i-1] <= t < cuts[i]. */
export interface GroupTally {
  buckets: Array<{ bucket: number; all: number; fresh: number }>;
  /** Arrival (receive time) of the group's newest entry, epoch ms. */
  lastArrival: number;
  /** The newest arrivals near the last one: [insertId, epoch ms], newest first. */
  tail: Array<[string, number]>;
}

/** One group of the window as Log Analytics counted it: exact totals, a few full entries, its tally. */
export type MessageGroup = Omit<CountedGroup, "tally"> & { tally: GroupTally };

export interface AggregateResult {
  groups: MessageGroup[];
  /** Entries in the window that have no payload to read a message from. */
  withoutMessage: number;
  bytesProcessed: number;
  bytesBilled?: number;
}

export interface LogAnalyticsOptions {
  /** Options for the BigQuery client (tests: `apiEndpoint` of the fake). */
  client?: BigQueryOptions;
  /** Bytes one query may bill at most; BigQuery refuses a query that would bill more. */
  maximumBytesBilled: number;
  /** Rows per result page (BigQuery's own default when unset). */
  pageSize?: number;
  /** BigQuery location of the linked dataset, when it is not the default. */
  location?: string;
  credentials?: { env?: Record<string, string | undefined>; homedir?: string };
  timeoutMs?: number;
}

export const JOB_USER_ROLE = "roles/bigquery.jobUser";
export const DATA_VIEWER_ROLE = "roles/bigquery.dataViewer";
export { DEFAULT_MAXIMUM_BYTES_BILLED } from "./log-analytics-limits.js";

type Row = Partial<Record<Column, string | number | null>>;

interface ApiError {
  code?: number;
  message?: string;
  errors?: Array<{ reason?: string; message?: string }>;
}

const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));
const opt = (v: unknown) => (v === null || v === undefined ? undefined : String(v));

function splitPairs(text: unknown, item: string, sep: string): string[][] {
  if (typeof text !== "string" || text === "") return [];
  return text.split(item).map((part) => part.split(sep));
}

/** A sample row back in LogEntry JSON form, normalized as every other entry is. */
function sampleEntry(row: Row): LogEntry {
  const json = (v: unknown) => (typeof v === "string" ? (JSON.parse(v) as unknown) : undefined);
  const raw: Record<string, unknown> = {
    timestamp: new Date(num(row.ts_ms)),
    ...(row.recv_ms === null || row.recv_ms === undefined
      ? {}
      : { receiveTimestamp: new Date(num(row.recv_ms)) }),
    severity: row.sev,
    insertId: opt(row.insert_id),
    logName: opt(row.log_name),
    trace: opt(row.trace),
    labels: json(row.labels) ?? {},
    resource: { type: opt(row.resource_type), labels: json(row.resource_labels) ?? {} },
  };
  if (typeof row.text_payload === "string") raw.textPayload = row.text_payload;
  const payload = json(row.json_payload);
  if (payload !== undefined && payload !== null) raw.jsonPayload = payload;
  if (typeof row.proto_type === "string") raw.protoPayload = { "@type": row.proto_type };
  if (row.sl_file !== null || row.sl_line !== null || row.sl_function !== null) {
    raw.sourceLocation = {
      file: row.sl_file ?? "",
      line: String(row.sl_line ?? 0),
      function: row.sl_function ?? "",
    };
  }
  if (row.http_method !== null || row.http_url !== null || row.http_status !== null) {
    raw.httpRequest = {
      requestMethod: opt(row.http_method),
      requestUrl: opt(row.http_url),
      status: row.http_status === null ? undefined : Number(row.http_status),
      userAgent: opt(row.http_user_agent),
    };
  }
  return normalizeEntry(raw);
}

/** Rows of the query back into groups. */
export function groupsFromRows(rows: Row[]): { groups: MessageGroup[]; withoutMessage: number } {
  const byId = new Map<string, MessageGroup>();
  let withoutMessage = 0;
  for (const row of rows) {
    if (row.kind === "x") withoutMessage += num(row.n);
    if (row.kind !== "g") continue;
    const severities: MessageGroup["severities"] = {};
    for (const [sev, n] of splitPairs(row.sevs, ",", ":")) severities[sev as Severity] = Number(n);
    byId.set(String(row.gid), {
      service: opt(row.service),
      logger: opt(row.logger),
      function: opt(row.func),
      count: num(row.n),
      firstSeen: new Date(num(row.first_ms)),
      lastSeen: new Date(num(row.last_ms)),
      severities,
      locations: splitPairs(row.locs, "\u001e", "\u001f").map(([first, where]) => ({
        where: where ?? "",
        first: Number(first),
      })),
      samples: [],
      tally: {
        buckets: splitPairs(row.buckets, ",", ":").map(([bucket, all, fresh]) => ({
          bucket: Number(bucket),
          all: Number(all),
          fresh: Number(fresh),
        })),
        lastArrival: num(row.last_arr),
        tail: splitPairs(row.tail, "\u001e", "\u001f").map(([id, t]) => [id ?? "", Number(t)]),
      },
    });
  }
  for (const row of rows) {
    if (row.kind !== "s") continue;
    byId.get(String(row.gid))?.samples.push(sampleEntry(row));
  }
  for (const group of byId.values()) {
    group.samples.sort(
      (a, b) =>
        a.timestamp.getTime() - b.timestamp.getTime() || (a.insertId ?? "").localeCompare(b.insertId ?? ""),
    );
  }
  return { groups: [...byId.values()], withoutMessage };
}

/** The one line a user needs when BigQuery refuses the query. */
function userError(error: unknown, view: string, limit: number, principal: string): CloudLoggingError {
  const e = (error ?? {}) as ApiError;
  const reasons = (e.errors ?? []).map((x) => x.reason ?? "");
  const detail = String(e.message ?? e.errors?.[0]?.message ?? error)
    .split("\n")[0]!
    .slice(0, 300);
  const [project, link] = view.split(".");
  const options = { cause: error };
  if (reasons.includes("bytesBilledLimitExceeded")) {
    return new CloudLoggingError(
      "COST_LIMIT",
      `BigQuery refused the Log Analytics query on ${view}: it would bill more than maximumBytesBilled ` +
        `(${limit} bytes): ${detail}; raise logAnalytics.maximumBytesBilled or shorten the window`,
      options,
    );
  }
  if (e.code === 404 || reasons.includes("notFound")) {
    return new CloudLoggingError(
      "NO_LINK",
      `BigQuery found no linked dataset ${project}.${link} (${detail}): upgrade the log bucket to Log Analytics ` +
        `(gcloud logging buckets update BUCKET --location=LOCATION --enable-analytics) and link it to BigQuery ` +
        `(gcloud logging links create ${link} --bucket=BUCKET --location=LOCATION)`,
      options,
    );
  }
  if (e.code === 403 || e.code === 401 || reasons.includes("accessDenied")) {
    const jobs = /jobs\.create/.test(detail);
    return new CloudLoggingError(
      "PERMISSION_DENIED",
      `BigQuery denied the Log Analytics query on ${view} (${detail}): grant ` +
        (jobs
          ? `${JOB_USER_ROLE} on project ${project}`
          : `${JOB_USER_ROLE} on project ${project} and ${DATA_VIEWER_ROLE} on dataset ${project}.${link}`) +
        ` to ${principal}`,
      options,
    );
  }
  if (e.code === 400 || reasons.includes("invalidQuery") || reasons.includes("invalid")) {
    return new CloudLoggingError(
      "INVALID_ARGUMENT",
      `BigQuery rejected the Log Analytics query on ${view}: ${detail}`,
      options,
    );
  }
  return new CloudLoggingError("UNKNOWN", `Querying Log Analytics (${view}) failed: ${detail}`, options);
}

/**
 * Runs the pass's one GoogleSQL query on a linked Log Analytics view through `@google-cloud/bigquery`
 * (`jobs.query`, then `getQueryResults` page by page) with `maximumBytesBilled` set, and returns the groups.
 */
export async function queryLogAnalytics(
  q: AggregateQuery & { projectId: string },
  opts: LogAnalyticsOptions,
): Promise<AggregateResult> {
  let principal = "the service account this app runs as";
  const client = opts.client ?? {};
  if (!client.apiEndpoint && !client.authClient && !client.keyFilename && !client.credentials) {
    const c = opts.credentials ?? {};
    principal = checkCredentials(c.env, c.homedir).principal;
  }
  const built = buildAggregateQuery(q);
  const bigquery = new BigQuery({ ...client, projectId: q.projectId });
  const request: Query = {
    query: built.query,
    params: built.params,
    types: built.types,
    maximumBytesBilled: String(opts.maximumBytesBilled),
    useLegacySql: false,
    ...(opts.location ? { location: opts.location } : {}),
    ...(opts.pageSize ? { maxResults: opts.pageSize } : {}),
  };
  const rows: Row[] = [];
  let bytesProcessed = 0;
  let bytesBilled: number | undefined;
  try {
    const [first, next, response] = (await bigquery.query(request, {
      autoPaginate: false,
      ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
    })) as unknown as [Row[], Record<string, unknown> | null, Record<string, unknown> | undefined];
    rows.push(...first);
    bytesProcessed = Number(response?.totalBytesProcessed ?? 0);
    if (response?.totalBytesBilled !== undefined) bytesBilled = Number(response.totalBytesBilled);
    let nextQuery = next;
    while (nextQuery) {
      const job = nextQuery.job as { getQueryResults: (o: object) => Promise<unknown[]> };
      const [page, following] = (await job.getQueryResults({
        ...nextQuery,
        ...(opts.pageSize ? { maxResults: opts.pageSize } : {}),
        autoPaginate: false,
      })) as [Row[], Record<string, unknown> | null];
      rows.push(...page);
      nextQuery = following;
    }
  } catch (error) {
    throw userError(error, q.view, opts.maximumBytesBilled, principal);
  }
  return { ...groupsFromRows(rows), bytesProcessed, bytesBilled };
}
