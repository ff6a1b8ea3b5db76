import {
  SEVERITIES,
  type HttpRequestInfo,
  type LogEntry,
  type Severity,
  type SourceLocation,
} from "./log-entry.js";

/** A record that cannot become a LogEntry; the reason is shown to users in the worklog. */
export class MalformedEntryError extends Error {}

type Obj = Record<string, unknown>;

const MESSAGE_KEYS = ["message", "msg", "textPayload", "text", "log", "event", "error", "err", "exception"];
const MAX_FALLBACK_MESSAGE = 2000;
const SEVERITY_ALIASES: Record<string, Severity> = {
  WARN: "WARNING",
  FATAL: "CRITICAL",
  CRIT: "CRITICAL",
  ERR: "ERROR",
  TRACE: "DEBUG",
  EMERG: "EMERGENCY",
};

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined =>
  typeof v === "string" && v !== "" ? v : typeof v === "number" ? String(v) : undefined;

export function parseSeverity(value: unknown): Severity | undefined {
  if (typeof value === "number") {
    const index = Math.floor(value / 100);
    return SEVERITIES[Math.min(Math.max(index, 0), SEVERITIES.length - 1)];
  }
  if (typeof value !== "string" || value === "") return undefined;
  if (/^\d+$/.test(value)) return parseSeverity(Number(value));
  const upper = value.toUpperCase();
  if ((SEVERITIES as readonly string[]).includes(upper)) return upper as Severity;
  return SEVERITY_ALIASES[upper];
}

function parseTimestamp(value: unknown): Date | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value;
  if (isObj(value) && value.seconds !== undefined) {
    const ms = Number(value.seconds) * 1000 + Math.floor(Number(value.nanos ?? 0) / 1e6);
    return Number.isFinite(ms) ? new Date(ms) : undefined;
  }
  if (typeof value === "string" || typeof value === "number") {
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? undefined : date;
  }
  return undefined;
}

function stringRecord(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObj(value)) return out;
  for (const [key, v] of Object.entries(value)) {
    if (v !== undefined && v !== null) out[key] = typeof v === "string" ? v : JSON.stringify(v);
  }
  return out;
}

function messageFrom(payload: Obj): string | undefined {
  for (const key of MESSAGE_KEYS) {
    const value = payload[key];
    if (typeof value === "string" && value.trim() !== "") return value;
    if (isObj(value) && typeof value.message === "string") return value.message;
  }
  return undefined;
}

function compactRendering(payload: Obj): string {
  const text = JSON.stringify(payload);
  return text.length > MAX_FALLBACK_MESSAGE ? `${text.slice(0, MAX_FALLBACK_MESSAGE)}…` : text;
}

function sourceLocationOf(raw: Obj, payload: Obj | undefined, labels: Record<string, string>) {
  const fromProto = isObj(raw.sourceLocation) ? raw.sourceLocation : undefined;
  const special = payload?.["logging.googleapis.com/sourceLocation"];
  const loc = fromProto ?? (isObj(special) ? special : undefined);
  const location: SourceLocation = {
    file: str(loc?.file) ?? str(payload?.pathname) ?? str(payload?.filename) ?? labels.file,
    line: Number(loc?.line ?? payload?.lineno ?? payload?.line ?? labels.line ?? labels.lineno) || undefined,
    function:
      str(loc?.function) ??
      str(payload?.funcName) ??
      str(payload?.function) ??
      labels.function ??
      labels.funcName,
    module: str(payload?.module) ?? labels.module,
  };
  const defined = Object.entries(location).filter(([, v]) => v !== undefined);
  return defined.length > 0 ? (Object.fromEntries(defined) as SourceLocation) : undefined;
}

function serviceOf(resource: LogEntry["resource"], labels: Record<string, string>, payload?: Obj) {
  const r = resource.labels;
  const serviceContext = isObj(payload?.serviceContext) ? payload.serviceContext : undefined;
  return (
    r.service_name ??
    r.module_id ??
    r.function_name ??
    r.job_name ??
    labels["k8s-pod/app"] ??
    labels["k8s-pod/app_kubernetes_io/name"] ??
    r.container_name ??
    str(serviceContext?.service) ??
    str(payload?.service) ??
    labels.service
  );
}

function httpRequestOf(value: unknown): HttpRequestInfo | undefined {
  if (!isObj(value)) return undefined;
  const latency = isObj(value.latency)
    ? `${Number(value.latency.seconds ?? 0) + Number(value.latency.nanos ?? 0) / 1e9}s`
    : str(value.latency);
  return {
    requestMethod: str(value.requestMethod),
    requestUrl: str(value.requestUrl),
    status: Number(value.status) || undefined,
    latency,
    userAgent: str(value.userAgent),
  };
}

/**
 * Builds a LogEntry from Cloud Logging's LogEntry in its JSON form (`gcloud logging read --format=json`,
 * the REST API, or the client library's metadata with the payload merged back in).
 */
export function normalizeEntry(raw: unknown): LogEntry {
  if (!isObj(raw)) throw new MalformedEntryError("not a JSON object");
  const payload = isObj(raw.jsonPayload) ? raw.jsonPayload : undefined;
  const proto = isObj(raw.protoPayload) ? raw.protoPayload : undefined;
  const labels = stringRecord(raw.labels);
  const resourceRaw = isObj(raw.resource) ? raw.resource : {};
  const resource = { type: str(resourceRaw.type) ?? "global", labels: stringRecord(resourceRaw.labels) };

  const message =
    (typeof raw.textPayload === "string" && raw.textPayload.trim() !== "" ? raw.textPayload : undefined) ??
    (payload && (messageFrom(payload) ?? compactRendering(payload))) ??
    (proto &&
      (str(proto.status && isObj(proto.status) ? proto.status.message : undefined) ??
        compactRendering(proto)));
  if (message === undefined) throw new MalformedEntryError("no textPayload, jsonPayload or protoPayload");

  const timestamp = parseTimestamp(raw.timestamp) ?? parseTimestamp(raw.receiveTimestamp);
  if (!timestamp)
    throw new MalformedEntryError(`invalid or missing timestamp ${JSON.stringify(raw.timestamp)}`);

  const severity =
    parseSeverity(raw.severity) ??
    parseSeverity(payload?.severity) ??
    parseSeverity(payload?.level) ??
    "DEFAULT";

  return {
    timestamp,
    receiveTimestamp: parseTimestamp(raw.receiveTimestamp),
    severity,
    message,
    jsonPayload: payload,
    labels,
    resource,
    service: serviceOf(resource, labels, payload),
    sourceLocation: sourceLocationOf(raw, payload, labels),
    logger: str(payload?.logger) ?? str(payload?.name) ?? labels.python_logger ?? labels.logger,
    trace: str(raw.trace),
    insertId: str(raw.insertId),
    logName: str(raw.logName),
    httpRequest: httpRequestOf(raw.httpRequest),
  };
}

/** A plain text line becomes an entry with no metadata but its time of reading. */
export function entryFromText(line: string, readAt: Date): LogEntry {
  return {
    timestamp: readAt,
    severity: "DEFAULT",
    message: line,
    labels: {},
    resource: { type: "global", labels: {} },
  };
}
