/**
 * A fake Google Cloud Logging gRPC server for tests: implements
 * `google.logging.v2.LoggingServiceV2/ListLogEntries` from the protos that ship with the client packages,
 * on 127.0.0.1 with an insecure channel. The real `@google-cloud/logging` client talks to it with
 * `{ apiEndpoint: "127.0.0.1", port, sslCreds: grpc.credentials.createInsecure(), universeDomain: "googleapis.com" }`
 * (see `fakeClientOptions`).
 */
import { createRequire } from "node:module";
import path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

const require = createRequire(import.meta.url);

/** A simple JSON log entry, close to `gcloud logging read --format=json` output. */
export interface SimpleEntry {
  /** RFC 3339 time, e.g. "2026-11-22T10:00:00.123Z" (up to 9 fractional digits). */
  timestamp?: string;
  receiveTimestamp?: string;
  /** "ERROR", "WARNING", … */
  severity?: string;
  textPayload?: string;
  jsonPayload?: Record<string, unknown>;
  resource?: { type: string; labels?: Record<string, string> };
  labels?: Record<string, string>;
  sourceLocation?: { file?: string; line?: number | string; function?: string };
  insertId?: string;
  logName?: string;
  trace?: string;
  spanId?: string;
  httpRequest?: {
    requestMethod?: string;
    requestUrl?: string;
    status?: number;
    userAgent?: string;
    /** "0.25s" */
    latency?: string;
  };
}

/** What the fake received in one ListLogEntries call. */
export interface ListRequest {
  resourceNames: string[];
  filter: string;
  orderBy: string;
  pageSize: number;
  pageToken: string;
  /** The `authorization` metadata the client sent, if any. */
  authorization?: string;
  /** Date.now() when the call arrived. */
  at: number;
}

export interface FakeLoggingOptions {
  entries?: SimpleEntry[];
  /** Page size used when the request asks for 0 (Cloud Logging's default is 50). */
  defaultPageSize?: number;
  /** Largest page the fake serves, whatever the request asks (Cloud Logging's is 1000). */
  maxPageSize?: number;
}

export interface FakeLogging {
  port: number;
  /** Every ListLogEntries call in arrival order, failed ones included. */
  requests: ListRequest[];
  /** Replaces the entries served (proto shape is built with `toProtoEntry`). */
  setEntries(entries: SimpleEntry[]): void;
  /**
   * The next `times` calls (default 1) fail with this gRPC status code; with `skip`, that many calls are
   * served normally first (e.g. `failNext(UNAVAILABLE, 2, { skip: 1 })` fails the 2nd and 3rd calls).
   */
  failNext(code: grpc.status, times?: number, options?: { skip?: number; details?: string }): void;
  /** Every answer (errors included) is sent this many milliseconds late; 0 by default. */
  setLatency(ms: number): void;
  /**
   * The next `n` calls answer an empty page with a token to the same place, as Cloud Logging does when a
   * page's time ran out before it found entries ("not finished yet, ask again").
   */
  emptyPagesNext(n: number): void;
  close(): Promise<void>;
}

type ProtoValue =
  | { nullValue: "NULL_VALUE" }
  | { numberValue: number }
  | { stringValue: string }
  | { boolValue: boolean }
  | { structValue: ProtoStruct }
  | { listValue: { values: ProtoValue[] } };
export interface ProtoStruct {
  fields: Record<string, ProtoValue>;
}

/** A JSON value as a google.protobuf.Value. */
export function toProtoValue(value: unknown): ProtoValue {
  if (value === null || value === undefined) return { nullValue: "NULL_VALUE" };
  if (typeof value === "number") return { numberValue: value };
  if (typeof value === "boolean") return { boolValue: value };
  if (typeof value === "string") return { stringValue: value };
  if (Array.isArray(value)) return { listValue: { values: value.map(toProtoValue) } };
  if (value instanceof Date) return { stringValue: value.toISOString() };
  if (typeof value === "object") return { structValue: toProtoStruct(value as Record<string, unknown>) };
  return { stringValue: String(value) };
}

/** A plain object as a google.protobuf.Struct. */
export function toProtoStruct(object: Record<string, unknown>): ProtoStruct {
  const fields: Record<string, ProtoValue> = {};
  for (const [key, value] of Object.entries(object)) fields[key] = toProtoValue(value);
  return { fields };
}

/** An RFC 3339 time as a google.protobuf.Timestamp, keeping up to nanosecond precision. */
export function toProtoTimestamp(iso: string): { seconds: string; nanos: number } {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`toProtoTimestamp: invalid time ${JSON.stringify(iso)}`);
  const seconds = Math.floor(ms / 1000);
  const fraction = /\.(\d{1,9})/.exec(iso)?.[1];
  const nanos = fraction ? Number(fraction.padEnd(9, "0")) : (ms - seconds * 1000) * 1e6;
  return { seconds: String(seconds), nanos };
}

function toProtoDuration(text: string): { seconds: string; nanos: number } {
  const seconds = Number.parseFloat(text);
  const whole = Math.floor(seconds);
  return { seconds: String(whole), nanos: Math.round((seconds - whole) * 1e9) };
}

/** A simple JSON entry in the proto shape the gRPC server serialises (google.logging.v2.LogEntry). */
export function toProtoEntry(entry: SimpleEntry): Record<string, unknown> {
  const out: Record<string, unknown> = {
    logName: entry.logName ?? "",
    insertId: entry.insertId ?? "",
    severity: entry.severity ?? "DEFAULT",
    labels: entry.labels ?? {},
    trace: entry.trace ?? "",
    spanId: entry.spanId ?? "",
  };
  if (entry.resource) out.resource = { type: entry.resource.type, labels: entry.resource.labels ?? {} };
  if (entry.timestamp !== undefined) out.timestamp = toProtoTimestamp(entry.timestamp);
  if (entry.receiveTimestamp !== undefined) out.receiveTimestamp = toProtoTimestamp(entry.receiveTimestamp);
  if (entry.textPayload !== undefined) out.textPayload = entry.textPayload;
  else if (entry.jsonPayload !== undefined) out.jsonPayload = toProtoStruct(entry.jsonPayload);
  if (entry.sourceLocation) {
    out.sourceLocation = {
      file: entry.sourceLocation.file ?? "",
      line: String(entry.sourceLocation.line ?? 0),
      function: entry.sourceLocation.function ?? "",
    };
  }
  if (entry.httpRequest) {
    const { latency, ...rest } = entry.httpRequest;
    out.httpRequest = { ...rest, ...(latency ? { latency: toProtoDuration(latency) } : {}) };
  }
  return out;
}

let cachedService: grpc.ServiceDefinition | undefined;

/** The LoggingServiceV2 definition, loaded from the protos shipped with the client packages. */
export function loggingServiceDefinition(): grpc.ServiceDefinition {
  if (cachedService) return cachedService;
  const includeDirs = [
    path.resolve(require.resolve("@google-cloud/logging-api"), "../../protos"),
    path.resolve(require.resolve("google-gax"), "../../protos"),
  ];
  const definition = protoLoader.loadSync("google/logging/v2/logging.proto", {
    includeDirs,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const proto = grpc.loadPackageDefinition(definition) as any;
  cachedService = proto.google.logging.v2.LoggingServiceV2.service as grpc.ServiceDefinition;
  return cachedService;
}

/** Client options that point the real `Logging` client at the fake. */
export function fakeClientOptions(port: number) {
  return {
    apiEndpoint: "127.0.0.1",
    port,
    sslCreds: grpc.credentials.createInsecure(),
    universeDomain: "googleapis.com",
  };
}

const encodeToken = (offset: number) => Buffer.from(`offset:${offset}`).toString("base64");
function decodeToken(token: string): number | undefined {
  const match = /^offset:(\d+)$/.exec(Buffer.from(token, "base64").toString());
  return match ? Number(match[1]) : undefined;
}

function timeKey(entry: SimpleEntry): number {
  return entry.timestamp ? Date.parse(entry.timestamp) : 0;
}

/**
 * Starts the fake on 127.0.0.1 with a free port. Pages are served by the request's pageSize with an
 * opaque nextPageToken; entries are sorted by timestamp as `orderBy` asks ("timestamp asc" or
 * "timestamp desc", stable for equal times). The filter is recorded, not evaluated.
 */
export async function startFakeLogging(options: FakeLoggingOptions = {}): Promise<FakeLogging> {
  let entries: SimpleEntry[] = options.entries ?? [];
  /** Failures by call index (0-based, counted over all calls). */
  const failures = new Map<number, { code: grpc.status; details: string }>();
  let calls = 0;
  let latencyMs = 0;
  let emptyPages = 0;
  const sortedBy = new Map<string, Array<{ entry: SimpleEntry; index: number }>>();
  const requests: ListRequest[] = [];
  const defaultPageSize = options.defaultPageSize ?? 50;
  const maxPageSize = options.maxPageSize ?? 1000;

  const server = new grpc.Server();
  server.addService(loggingServiceDefinition(), {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    ListLogEntries(call: grpc.ServerUnaryCall<any, any>, callback: grpc.sendUnaryData<any>) {
      const req = call.request as Omit<ListRequest, "authorization" | "at">;
      const authorization = call.metadata.get("authorization")[0];
      requests.push({
        resourceNames: [...req.resourceNames],
        filter: req.filter,
        orderBy: req.orderBy,
        pageSize: req.pageSize,
        pageToken: req.pageToken,
        ...(authorization !== undefined ? { authorization: String(authorization) } : {}),
        at: Date.now(),
      });
      const failure = failures.get(calls);
      failures.delete(calls++);
      if (latencyMs > 0) {
        const respond = callback;
        callback = (error, value) => setTimeout(() => respond(error, value), latencyMs).unref();
      }
      if (failure) {
        callback({ code: failure.code, details: failure.details });
        return;
      }
      const start = req.pageToken ? decodeToken(req.pageToken) : 0;
      if (start === undefined) {
        callback({ code: grpc.status.INVALID_ARGUMENT, details: `invalid page token ${req.pageToken}` });
        return;
      }
      if (req.pageSize < 0) {
        callback({ code: grpc.status.INVALID_ARGUMENT, details: "negative page size" });
        return;
      }
      if (emptyPages > 0) {
        emptyPages--;
        callback(null, { entries: [], nextPageToken: encodeToken(start) });
        return;
      }
      const order = req.orderBy.trim().toLowerCase();
      const descending = order === "timestamp desc" || order === "";
      if (!descending && order !== "timestamp asc" && order !== "timestamp") {
        callback({ code: grpc.status.INVALID_ARGUMENT, details: `unsupported orderBy ${req.orderBy}` });
        return;
      }
      // Sorted once per order until the entries change (a benchmark serves a million of them).
      const key = `${descending}`;
      let sorted = sortedBy.get(key);
      if (!sorted) {
        const keyed = entries.map((entry, index) => ({ entry, index, t: timeKey(entry) }));
        keyed.sort((a, b) => (descending ? b.t - a.t : a.t - b.t) || a.index - b.index);
        sorted = keyed;
        sortedBy.set(key, sorted);
      }
      const size = Math.min(req.pageSize > 0 ? req.pageSize : defaultPageSize, maxPageSize);
      const page = sorted.slice(start, start + size).map(({ entry }) => toProtoEntry(entry));
      const next = start + size < sorted.length ? encodeToken(start + size) : "";
      callback(null, { entries: page, nextPageToken: next });
    },
  });

  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, boundPort) =>
      error ? reject(error) : resolve(boundPort),
    ),
  );

  return {
    port,
    requests,
    setLatency(ms) {
      latencyMs = ms;
    },
    emptyPagesNext(n) {
      emptyPages = n;
    },
    setEntries(next) {
      entries = next;
      sortedBy.clear();
    },
    failNext(code, times = 1, { skip = 0, details = `injected ${grpc.status[code]}` } = {}) {
      for (let i = 0; i < times; i++) failures.set(calls + skip + i, { code, details });
    },
    close() {
      // Graceful first; a client that was never closed would otherwise keep the server open.
      return new Promise<void>((resolve) => {
        const force = setTimeout(() => server.forceShutdown(), 500);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
    },
  };
}
