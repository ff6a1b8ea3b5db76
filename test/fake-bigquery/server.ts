/**
 * A fake BigQuery REST API on 127.0.0.1 for tests and benchmarks: `jobs.query`
 * (`POST /bigquery/v2/projects/P/queries`) and `jobs.getQueryResults` (`GET …/queries/JOB_ID`), with
 * paging by `maxResults` and `pageToken`. Queries run for real on an in-memory DuckDB through the
 * GoogleSQL adapter (`dialect.ts`) against `_AllLogs`-shaped tables (`all-logs.ts`). The real
 * `@google-cloud/bigquery` client talks to it with `{ apiEndpoint: fake.url, projectId }`.
 *
 * The fake bills every query the stored size of the tables it names, refuses a query over
 * `maximumBytesBilled` as BigQuery does (400 `bytesBilledLimitExceeded`), answers 404 `notFound` for a
 * dataset or view that does not exist, and can be told to fail the next call.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  BIGINT,
  BOOLEAN,
  DOUBLE,
  DuckDBInstance,
  DuckDBTimestampValue,
  LIST,
  TIMESTAMP,
  VARCHAR,
  listValue,
  type DuckDBConnection,
  type DuckDBType,
  type DuckDBValue,
} from "@duckdb/node-api";
import type { BigQueryOptions } from "@google-cloud/bigquery";
import { PassThroughClient } from "google-auth-library";
import type { SimpleEntry } from "../fake-logging-server.js";
import { allLogsRow, loadAllLogs } from "./all-logs.js";
import { MACROS, toDuckDb } from "./dialect.js";

export interface RecordedCall {
  method: string;
  path: string;
  /** The request body of jobs.query. */
  body?: Record<string, unknown>;
  search: Record<string, string>;
}

export interface FakeBigQuery {
  url: string;
  connection: DuckDBConnection;
  calls: RecordedCall[];
  /** Replaces the rows of a view such as `garden-p1.gardener._AllLogs`. */
  setView(name: string, entries: SimpleEntry[]): Promise<void>;
  /** Bytes a query naming this view is billed (default: the JSON size of its rows). */
  setViewBytes(name: string, bytes: number): void;
  /** The next call answers this HTTP status with this error reason and message. */
  failNext(status: number, reason: string, message: string): void;
  /** Rows per page when the request names no maxResults. */
  defaultPageSize: number;
  close(): Promise<void>;
}

interface Job {
  schema: { fields: Array<{ name: string; type: string; mode: string }> };
  rows: Array<{ f: Array<{ v: string | null }> }>;
  bytes: number;
}

interface QueryParameter {
  name: string;
  parameterType: { type: string; arrayType?: { type: string } };
  parameterValue: { value?: string; arrayValues?: Array<{ value?: string }> };
}

const SCALARS: Record<string, DuckDBType> = {
  STRING: VARCHAR,
  INT64: BIGINT,
  BOOL: BOOLEAN,
  FLOAT64: DOUBLE,
  TIMESTAMP: TIMESTAMP,
};

function scalar(type: string, value: string | undefined): DuckDBValue {
  if (value === undefined) return null;
  if (type === "INT64") return BigInt(value);
  if (type === "FLOAT64") return Number(value);
  if (type === "BOOL") return value === "true";
  if (type === "TIMESTAMP")
    return new DuckDBTimestampValue(BigInt(Date.parse(value.replace(" ", "T"))) * 1000n);
  return value;
}

function toDuckParams(list: QueryParameter[]) {
  const values: Record<string, DuckDBValue> = {};
  const types: Record<string, DuckDBType> = {};
  for (const p of list) {
    const t = p.parameterType;
    if (t.type === "ARRAY") {
      const inner = t.arrayType?.type ?? "STRING";
      types[p.name] = LIST(SCALARS[inner] ?? VARCHAR);
      values[p.name] = listValue((p.parameterValue.arrayValues ?? []).map((v) => scalar(inner, v.value)));
    } else {
      types[p.name] = SCALARS[t.type] ?? VARCHAR;
      values[p.name] = scalar(t.type, p.parameterValue.value);
    }
  }
  return { values, types };
}

function bigQueryType(duckType: string): string {
  if (/INT|DECIMAL/.test(duckType)) return "INTEGER";
  if (/DOUBLE|FLOAT/.test(duckType)) return "FLOAT";
  if (duckType === "BOOLEAN") return "BOOLEAN";
  if (duckType.startsWith("TIMESTAMP")) return "TIMESTAMP";
  return "STRING";
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=UTF-8" });
  res.end(text);
}

function errorBody(status: number, reason: string, message: string) {
  return { error: { code: status, message, errors: [{ message, domain: "global", reason }], status: "" } };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** BigQuery client options that point the real client at the fake, with no Google credentials at all. */
export function fakeBigQueryOptions(fake: Pick<FakeBigQuery, "url">): BigQueryOptions {
  // The client's own copy of google-auth-library has other class identities: the shape is what counts.
  return {
    apiEndpoint: fake.url,
    authClient: new PassThroughClient() as unknown as BigQueryOptions["authClient"],
  };
}

export async function startFakeBigQuery(): Promise<FakeBigQuery> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  for (const macro of MACROS) await connection.run(macro);
  const views = new Map<string, number>();
  const jobs = new Map<string, Job>();
  const calls: RecordedCall[] = [];
  let failure: { status: number; reason: string; message: string } | undefined;
  let nextJob = 1;

  const page = (job: Job, jobId: string, projectId: string, start: number, size: number, kind: string) => {
    const rows = job.rows.slice(start, start + size);
    const next =
      start + size < job.rows.length ? Buffer.from(`${jobId}:${start + size}`).toString("base64") : undefined;
    return {
      kind,
      schema: job.schema,
      jobReference: { projectId, jobId, location: "US" },
      totalRows: String(job.rows.length),
      rows,
      ...(next ? { pageToken: next } : {}),
      totalBytesProcessed: String(job.bytes),
      totalBytesBilled: String(job.bytes),
      jobComplete: true,
      cacheHit: false,
    };
  };

  const runQuery = async (projectId: string, body: Record<string, unknown>, res: ServerResponse) => {
    const query = String(body.query ?? "");
    const names = [...query.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
    for (const name of names) {
      if (views.has(name)) continue;
      const [project, dataset] = name.split(".");
      const datasetExists = [...views.keys()].some((v) => v.startsWith(`${project}.${dataset}.`));
      const message = datasetExists
        ? `Not found: Table ${project}:${name.slice(project!.length + 1)} was not found in location US`
        : `Not found: Dataset ${project}:${dataset} was not found in location US`;
      return sendJson(res, 404, errorBody(404, "notFound", message));
    }
    const bytes = names.reduce((sum, name) => sum + (views.get(name) ?? 0), 0);
    const limit = body.maximumBytesBilled === undefined ? undefined : Number(body.maximumBytesBilled);
    if (limit !== undefined && bytes > limit) {
      const message = `Query exceeded limit for bytes billed: ${limit}. ${bytes} or higher required.`;
      return sendJson(res, 400, errorBody(400, "bytesBilledLimitExceeded", message));
    }
    const { values, types } = toDuckParams((body.queryParameters as QueryParameter[] | undefined) ?? []);
    let result;
    try {
      result = await connection.runAndReadAll(toDuckDb(query), values, types);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return sendJson(res, 400, errorBody(400, "invalidQuery", message.split("\n")[0]!));
    }
    const columnTypes = result.columnTypes().map(String);
    const schema = {
      fields: result
        .columnNames()
        .map((name, i) => ({ name, type: bigQueryType(columnTypes[i]!), mode: "NULLABLE" })),
    };
    const rows = result.getRowsJson().map((row) => ({
      f: row.map((v) => ({
        v: v === null || v === undefined ? null : typeof v === "object" ? JSON.stringify(v) : String(v),
      })),
    }));
    const jobId = `job_${nextJob++}`;
    const job = { schema, rows, bytes };
    jobs.set(jobId, job);
    const size = Number(body.maxResults ?? fake.defaultPageSize);
    sendJson(res, 200, page(job, jobId, projectId, 0, size, "bigquery#queryResponse"));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const text = req.method === "POST" ? await readBody(req) : "";
    const body = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
    calls.push({
      method: req.method ?? "",
      path: url.pathname,
      body,
      search: Object.fromEntries(url.searchParams),
    });
    if (failure) {
      const { status, reason, message } = failure;
      failure = undefined;
      return sendJson(res, status, errorBody(status, reason, message));
    }
    const query = /^\/bigquery\/v2\/projects\/([^/]+)\/queries$/.exec(url.pathname);
    if (query && req.method === "POST") return runQuery(decodeURIComponent(query[1]!), body ?? {}, res);
    const results = /^\/bigquery\/v2\/projects\/([^/]+)\/queries\/([^/]+)$/.exec(url.pathname);
    if (results && req.method === "GET") {
      const jobId = decodeURIComponent(results[2]!);
      const job = jobs.get(jobId);
      if (!job) return sendJson(res, 404, errorBody(404, "notFound", `Not found: Job ${jobId}`));
      const token = url.searchParams.get("pageToken");
      const start = token ? Number(Buffer.from(token, "base64").toString().split(":")[1]) : 0;
      const size = Number(url.searchParams.get("maxResults") ?? fake.defaultPageSize);
      return sendJson(
        res,
        200,
        page(job, jobId, decodeURIComponent(results[1]!), start, size, "bigquery#getQueryResultsResponse"),
      );
    }
    sendJson(res, 404, errorBody(404, "notFound", `no route ${req.method} ${url.pathname}`));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) =>
      sendJson(res, 500, errorBody(500, "internalError", String(error))),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  const fake: FakeBigQuery = {
    url: `http://127.0.0.1:${port}`,
    connection,
    calls,
    defaultPageSize: 1000,
    async setView(name, entries) {
      await loadAllLogs(connection, name, entries);
      views.set(
        name,
        entries.reduce((sum, e) => sum + JSON.stringify(allLogsRow(e)).length, 0),
      );
    },
    setViewBytes(name, bytes) {
      views.set(name, bytes);
    },
    failNext(status, reason, message) {
      failure = { status, reason, message };
    },
    close() {
      connection.closeSync();
      instance.closeSync();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}
