// The one GoogleSQL query of a Log Analytics pass. It reads the window from a linked `_AllLogs` view and
// returns one row per group (service, logger, function and the coarse message key) with its exact count,
// first/last seen, counts per severity, the first source locations, counts per counting bucket and the
// newest insert ids, plus a few full sample entries per group. Message, service, logger, function and
// location are derived exactly as `normalizeEntry` derives them from a LogEntry, so that a group holds
// the same entries whichever source reads them.
import { SEVERITIES, severityRank, type Severity } from "../entries/log-entry.js";
import { serviceLabelFor } from "./filter.js";
import { messageKey, type MessageKey } from "./message-key.js";

export interface AggregateQuery {
  /** `PROJECT.LINK_ID.VIEW`, e.g. `acme-prod.gardener._AllLogs`. */
  view: string;
  resourceType?: string;
  services: string[];
  severityFloor: Severity;
  from: Date;
  to: Date;
  /** Ascending epoch milliseconds: per group, entries are counted between each pair (see `Tally`). */
  cuts: number[];
  /** Insert ids that earlier passes counted: entries with them are not `fresh`. */
  seen: string[];
  /** Oldest and newest entries kept as sample candidates per group (plus the newest of each severity). */
  samples: number;
  /** Newest insert ids returned per group, and how far back from its last entry. */
  tail: number;
  tailMs: number;
}

/** Query parameters with their BigQuery types, ready for `@google-cloud/bigquery`. */
export interface BuiltQuery {
  query: string;
  params: Record<string, unknown>;
  types: Record<string, string | string[]>;
}

/** Columns of the result, in order: group rows (`kind` g), sample rows (s) and one row of entries without a message (x). */
export const COLUMNS = [
  "kind",
  "gid",
  "service",
  "logger",
  "func",
  "n",
  "first_ms",
  "last_ms",
  "last_arr",
  "sevs",
  "buckets",
  "locs",
  "tail",
  "ts_ms",
  "recv_ms",
  "sev",
  "insert_id",
  "log_name",
  "trace",
  "text_payload",
  "json_payload",
  "proto_type",
  "labels",
  "resource_type",
  "resource_labels",
  "sl_file",
  "sl_line",
  "sl_function",
  "http_method",
  "http_url",
  "http_status",
  "http_user_agent",
] as const;
export type Column = (typeof COLUMNS)[number];

const VIEW = /^[a-z][a-z0-9-]{4,28}[a-z0-9]\.[A-Za-z0-9_]{1,100}\.[A-Za-z0-9_]{1,100}$/;
const LABEL = /^[a-z_]+$/;
/** Whitespace as JavaScript's `trim()` sees it, for RE2. */
const NON_BLANK =
  "[^\\t\\n\\x0B\\f\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}]";
/** normalizeEntry's keys for the message of a JSON payload, in its order. */
const MESSAGE_KEYS = ["message", "msg", "textPayload", "text", "log", "event", "error", "err", "exception"];
const MAX_FALLBACK_MESSAGE = 2000;
const SPECIAL_LOCATION = '$."logging.googleapis.com/sourceLocation"';

export function isValidView(view: string): boolean {
  return VIEW.test(view);
}

const path = (key: string) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `$.${key}` : `$."${key}"`);
const jsonType = (json: string, p: string) => `JSON_TYPE(JSON_QUERY(${json}, '${p}'))`;
const jsonValue = (json: string, p: string) => `JSON_VALUE(${json}, '${p}')`;

/** normalizeEntry's `str()`: a non-empty string, or a number as text. */
function str(json: string, p: string): string {
  return (
    `IF(${jsonType(json, p)} IN ('string', 'number') AND ${jsonValue(json, p)} != '', ` +
    `${jsonValue(json, p)}, NULL)`
  );
}

/**
 * normalizeEntry's message. Each fallback is reached only by the rows that need it (IF evaluates its
 * branches lazily where COALESCE may not), so the common case, a text or `message` payload, stays cheap.
 */
function messageExpr(): string {
  const nonBlank = (e: string) => `REGEXP_CONTAINS(${e}, r'${NON_BLANK}')`;
  const keyTerms = MESSAGE_KEYS.flatMap((key) => {
    const p = path(key);
    const inner = `${p}.message`;
    return [
      {
        when: `${jsonType("json_payload", p)} = 'string' AND ${nonBlank(jsonValue("json_payload", p))}`,
        then: jsonValue("json_payload", p),
      },
      { when: `${jsonType("json_payload", inner)} = 'string'`, then: jsonValue("json_payload", inner) },
    ];
  });
  const rendered = "TO_JSON_STRING(json_payload)";
  const compact =
    `IF(LENGTH(${rendered}) > ${MAX_FALLBACK_MESSAGE}, ` +
    `SUBSTR(${rendered}, 1, ${MAX_FALLBACK_MESSAGE}) || '…', ${rendered})`;
  const fromPayload = keyTerms.reduceRight((rest, t) => `IF(${t.when}, ${t.then}, ${rest})`, compact);
  // The Cloud Logging client keeps only the type of a proto payload, so its message is `{"@type":"…"}`.
  const proto =
    `IF(proto_payload IS NULL, NULL, '{"@type":' || ` +
    `TO_JSON_STRING(IFNULL(${jsonValue("proto_payload", '$."@type"')}, 'unknown')) || '}')`;
  return (
    `IF(${nonBlank("text_payload")}, text_payload,\n      ` +
    `IF(${jsonType("json_payload", "$")} = 'object', ${fromPayload},\n      ${proto}))`
  );
}

/** Keys the identity and location fallbacks read from a JSON payload (a cheap test before the lookups). */
const PAYLOAD_KEYS =
  '"(pathname|filename|funcName|function|lineno|line|logger|name|module|service|serviceContext|' +
  'logging\\.googleapis\\.com\\\\?/sourceLocation)"';
/** Only rows whose payload names one of PAYLOAD_KEYS (`payload_keys`, from `raw`) look inside it. */
const fromPayload = (e: string) => `IF(payload_keys, ${e}, NULL)`;
const fromLabels = (e: string) => `IF(labels IS NULL, NULL, ${e})`;
const label = (key: string) => jsonValue("labels", path(key));

/** normalizeEntry's service; `rl_service_name` is resource.labels.service_name, read once in `raw`. */
function serviceExpr(): string {
  const resource = (key: string) => jsonValue("resource_labels", path(key));
  const rest = [
    resource("module_id"),
    resource("function_name"),
    resource("job_name"),
    fromLabels(`COALESCE(${label("k8s-pod/app")}, ${label("k8s-pod/app_kubernetes_io/name")})`),
    resource("container_name"),
    fromPayload(
      `COALESCE(${str("json_payload", "$.serviceContext.service")}, ${str("json_payload", "$.service")})`,
    ),
    fromLabels(label("service")),
  ];
  return `IF(rl_service_name IS NOT NULL, rl_service_name, COALESCE(${rest.join(", ")}))`;
}

/** Location fields as normalizeEntry reads them: the entry's sourceLocation, else the payload's special field. */
function locationExprs() {
  const special = (field: string) => fromPayload(str("json_payload", `${SPECIAL_LOCATION}.${field}`));
  const proto = (field: string) =>
    `IF(source_location IS NOT NULL, NULLIF(source_location.${field}, ''), ${special(field)})`;
  const file = `COALESCE(${proto("file")}, ${fromPayload(
    `COALESCE(${str("json_payload", "$.pathname")}, ${str("json_payload", "$.filename")})`,
  )}, ${fromLabels(label("file"))})`;
  const payloadLine = [`${SPECIAL_LOCATION}.line`, "$.lineno", "$.line"].map((p) =>
    jsonValue("json_payload", p),
  );
  const line =
    `IF(source_location IS NOT NULL, source_location.line, SAFE_CAST(COALESCE(` +
    `${fromPayload(`COALESCE(${payloadLine.join(", ")})`)}, ` +
    `${fromLabels(`COALESCE(${label("line")}, ${label("lineno")})`)}) AS INT64))`;
  const func = `COALESCE(${proto("function")}, ${fromPayload(
    `COALESCE(${str("json_payload", "$.funcName")}, ${str("json_payload", "$.function")})`,
  )}, ${fromLabels(`COALESCE(${label("function")}, ${label("funcName")})`)})`;
  return { file, line, func };
}

/** The logger as the miner's identity takes it: normalizeEntry's logger, else the module. */
function loggerExpr(): string {
  return `COALESCE(${[
    fromPayload(`COALESCE(${str("json_payload", "$.logger")}, ${str("json_payload", "$.name")})`),
    fromLabels(`COALESCE(${label("python_logger")}, ${label("logger")})`),
    fromPayload(str("json_payload", "$.module")),
    fromLabels(label("module")),
  ].join(", ")})`;
}

function select(values: Partial<Record<Column, string>>): string {
  return COLUMNS.map((c) => `${values[c] ?? "NULL"} AS ${c}`).join(", ");
}

const SEP = "CHR(31)";
const ITEM = "CHR(30)";
const text = (e: string) => `CAST(${e} AS STRING)`;

/**
 * The query and its parameters. The view, the resource label and the severity names are checked before
 * they reach the text; everything else the user controls is a query parameter.
 */
export function buildAggregateQuery(q: AggregateQuery, key: MessageKey = messageKey()): BuiltQuery {
  if (!isValidView(q.view)) throw new Error(`not a Log Analytics view (PROJECT.LINK_ID.VIEW): ${q.view}`);
  const label = serviceLabelFor(q.resourceType);
  if (!LABEL.test(label)) throw new Error(`unexpected service label ${label}`);
  const services = q.services.filter((s) => s !== "");
  const where = ["timestamp >= @from", "timestamp < @to"];
  if (q.resourceType) where.push("resource.type = @resource_type");
  const filters = ["sev IN UNNEST(@severities)"];
  if (services.length > 0) filters.push("service_label IN UNNEST(@services)");
  const loc = locationExprs();
  const gidParts = ["service", "logger", "func"].map((c) => `IFNULL('+' || ${c}, '-')`);

  const query = `WITH raw AS (
  SELECT
    UNIX_MILLIS(timestamp) AS ts_ms,
    -- Counting follows arrival (receive time), as the entries source counts.
    UNIX_MILLIS(IFNULL(receive_timestamp, timestamp)) AS arr_ms,
    UNIX_MILLIS(receive_timestamp) AS recv_ms,
    IFNULL(severity, 'DEFAULT') AS sev,
    NULLIF(insert_id, '') AS insert_id,
    log_name, trace, text_payload, json_payload, proto_payload, labels, source_location,
    resource.type AS resource_type,
    resource.labels AS resource_labels,
    http_request.request_method AS http_method,
    http_request.request_url AS http_url,
    http_request.status AS http_status,
    http_request.user_agent AS http_user_agent,
    ${jsonValue("resource.labels", "$.service_name")} AS rl_service_name,
    json_payload IS NOT NULL AND REGEXP_CONTAINS(TO_JSON_STRING(json_payload), r'${PAYLOAD_KEYS}') AS payload_keys,
    ${jsonValue("resource.labels", path(label))} AS service_label
  FROM \`${q.view}\`
  WHERE ${where.join(" AND ")}
  -- Log Analytics keeps duplicate writes of an entry; Cloud Logging shows one per insert id and timestamp.
  QUALIFY ROW_NUMBER() OVER (PARTITION BY insert_id, timestamp) = 1
),
base AS (
  SELECT ts_ms, arr_ms, sev, insert_id,
    ${messageExpr()} AS message,
    ${serviceExpr()} AS service,
    ${loggerExpr()} AS logger,
    ${loc.func} AS func,
    ${loc.file} AS loc_file,
    ${loc.line} AS loc_line
  FROM raw
  WHERE ${filters.join(" AND ")}
),
-- The masks run once per distinct message, not once per entry (logs repeat their messages).
message_keys AS (
  SELECT message, ${key.sql("message")} AS message_key
  FROM (SELECT DISTINCT message FROM base WHERE message IS NOT NULL)
),
keyed AS (
  SELECT b.ts_ms, b.arr_ms, b.sev, b.insert_id, b.service, b.logger, b.func,
    FARM_FINGERPRINT(${gidParts.map((p) => p.replace(/\b(service|logger|func)\b/, "b.$1")).join(` || ${SEP} || `)} || ${SEP} || m.message_key) AS gid,
    IF(b.loc_file IS NOT NULL AND b.loc_file != '',
      b.loc_file || IF(b.loc_line IS NOT NULL AND b.loc_line != 0, ':' || ${text("b.loc_line")}, ''), NULL) AS location,
    b.insert_id IS NOT NULL AND NOT (b.insert_id IN UNNEST(@seen)) AS fresh,
    RANGE_BUCKET(b.arr_ms, @cuts) AS bucket
  FROM base b JOIN message_keys m ON m.message = b.message
),
-- Every count comes from one aggregation at the finest grain needed: group, severity and bucket.
cells AS (
  SELECT gid, sev, bucket, COUNT(*) AS n, COUNTIF(fresh) AS f, MIN(ts_ms) AS first_ms, MAX(ts_ms) AS last_ms,
    MAX(arr_ms) AS last_arr,
    ANY_VALUE(service) AS service, ANY_VALUE(logger) AS logger, ANY_VALUE(func) AS func
  FROM keyed GROUP BY gid, sev, bucket
),
groups AS (
  SELECT gid, ANY_VALUE(service) AS service, ANY_VALUE(logger) AS logger, ANY_VALUE(func) AS func,
    SUM(n) AS n, MIN(first_ms) AS first_ms, MAX(last_ms) AS last_ms, MAX(last_arr) AS last_arr
  FROM cells GROUP BY gid
),
by_sev AS (
  SELECT gid, sev, SUM(n) AS n, MAX(last_ms) AS last_ms FROM cells GROUP BY gid, sev
),
sevs AS (
  SELECT gid, STRING_AGG(sev || ':' || ${text("n")}, ',' ORDER BY sev) AS sevs FROM by_sev GROUP BY gid
),
buckets AS (
  SELECT gid, STRING_AGG(${text("bucket")} || ':' || ${text("n")} || ':' || ${text("f")}, ',' ORDER BY bucket) AS buckets
  FROM (SELECT gid, bucket, SUM(n) AS n, SUM(f) AS f FROM cells GROUP BY gid, bucket) GROUP BY gid
),
locs AS (
  SELECT gid, STRING_AGG(${text("first_ms")} || ${SEP} || location, ${ITEM} ORDER BY first_ms, location) AS locs
  FROM (SELECT gid, location, MIN(ts_ms) AS first_ms,
      ROW_NUMBER() OVER (PARTITION BY gid ORDER BY MIN(ts_ms), location) AS rn
    FROM keyed WHERE location IS NOT NULL GROUP BY gid, location)
  WHERE rn <= 5 GROUP BY gid
),
-- One narrow window ranks the entries of each group, newest first; the oldest are the last ranks.
marks AS (
  SELECT k.gid, k.ts_ms, k.arr_ms, k.insert_id, k.rn_new, k.rn_arr, g.n AS n_group,
    g.last_arr AS group_last_arr, s.last_ms IS NOT NULL AS newest_of_sev
  FROM (SELECT gid, sev, ts_ms, arr_ms, insert_id,
      ROW_NUMBER() OVER (PARTITION BY gid ORDER BY ts_ms DESC, insert_id DESC) AS rn_new,
      ROW_NUMBER() OVER (PARTITION BY gid ORDER BY arr_ms DESC, insert_id DESC) AS rn_arr
    FROM keyed) k
  JOIN groups g ON g.gid = k.gid
  LEFT JOIN by_sev s ON s.gid = k.gid AND s.sev = k.sev AND s.last_ms = k.ts_ms
),
tails AS (
  SELECT gid, STRING_AGG(insert_id || ${SEP} || ${text("arr_ms")}, ${ITEM} ORDER BY arr_ms DESC, insert_id DESC) AS tail
  FROM marks
  WHERE rn_arr <= @tail AND arr_ms >= group_last_arr - @tail_ms AND insert_id IS NOT NULL
  GROUP BY gid
),
picked AS (
  SELECT gid, ts_ms, insert_id FROM marks
  WHERE rn_new <= @samples OR n_group - rn_new < @samples OR newest_of_sev
)
SELECT ${select({
    kind: "'g'",
    gid: text("g.gid"),
    service: "g.service",
    logger: "g.logger",
    func: "g.func",
    n: "g.n",
    first_ms: "g.first_ms",
    last_ms: "g.last_ms",
    last_arr: "g.last_arr",
    sevs: "s.sevs",
    buckets: "b.buckets",
    locs: "l.locs",
    tail: "t.tail",
  })}
FROM groups g
  LEFT JOIN sevs s ON s.gid = g.gid
  LEFT JOIN buckets b ON b.gid = g.gid
  LEFT JOIN locs l ON l.gid = g.gid
  LEFT JOIN tails t ON t.gid = g.gid
UNION ALL
SELECT ${select({
    kind: "'s'",
    gid: text("p.gid"),
    ts_ms: "k.ts_ms",
    recv_ms: "k.recv_ms",
    sev: "k.sev",
    insert_id: "k.insert_id",
    log_name: "k.log_name",
    trace: "k.trace",
    text_payload: "k.text_payload",
    json_payload: "TO_JSON_STRING(k.json_payload)",
    proto_type: `IF(k.proto_payload IS NULL, NULL, IFNULL(${jsonValue("k.proto_payload", '$."@type"')}, 'unknown'))`,
    labels: "TO_JSON_STRING(k.labels)",
    resource_type: "k.resource_type",
    resource_labels: "TO_JSON_STRING(k.resource_labels)",
    sl_file: "k.source_location.file",
    sl_line: "k.source_location.line",
    sl_function: "k.source_location.function",
    http_method: "k.http_method",
    http_url: "k.http_url",
    http_status: "k.http_status",
    http_user_agent: "k.http_user_agent",
  })}
FROM raw k JOIN picked p ON p.ts_ms = k.ts_ms AND p.insert_id = k.insert_id
UNION ALL
SELECT ${select({ kind: "'x'", n: "COUNT(*)" })}
FROM base
WHERE message IS NULL`;

  const floor = severityRank(q.severityFloor);
  const params: Record<string, unknown> = {
    from: q.from,
    to: q.to,
    severities: SEVERITIES.filter((s) => severityRank(s) >= floor),
    cuts: [...q.cuts].sort((a, b) => a - b),
    seen: q.seen,
    samples: q.samples,
    tail: q.tail,
    tail_ms: q.tailMs,
  };
  const types: Record<string, string | string[]> = {
    from: "TIMESTAMP",
    to: "TIMESTAMP",
    severities: ["STRING"],
    cuts: ["INT64"],
    seen: ["STRING"],
    samples: "INT64",
    tail: "INT64",
    tail_ms: "INT64",
  };
  if (q.resourceType) {
    params.resource_type = q.resourceType;
    types.resource_type = "STRING";
  }
  if (services.length > 0) {
    params.services = services;
    types.services = ["STRING"];
  }
  return { query, params, types };
}
