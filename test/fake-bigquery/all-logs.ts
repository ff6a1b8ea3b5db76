/**
 * A DuckDB table shaped like a Log Analytics `_AllLogs` view (snake_case LogEntry columns, JSON payload,
 * labels and resource labels, structs for the resource, source location and HTTP request), filled from
 * the same `SimpleEntry` fixtures the fake Cloud Logging server serves.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import type { SimpleEntry } from "../fake-logging-server.js";

export const ALL_LOGS_COLUMNS = `
  timestamp TIMESTAMP, receive_timestamp TIMESTAMP, log_name VARCHAR, insert_id VARCHAR,
  severity VARCHAR, severity_number BIGINT,
  resource STRUCT(type VARCHAR, labels JSON),
  text_payload VARCHAR, json_payload JSON, proto_payload JSON, labels JSON, trace VARCHAR, span_id VARCHAR,
  source_location STRUCT(file VARCHAR, line BIGINT, "function" VARCHAR),
  http_request STRUCT(request_method VARCHAR, request_url VARCHAR, status BIGINT, user_agent VARCHAR)`;

const SEVERITY_NUMBER: Record<string, number> = {
  DEFAULT: 0,
  DEBUG: 100,
  INFO: 200,
  NOTICE: 300,
  WARNING: 400,
  ERROR: 500,
  CRITICAL: 600,
  ALERT: 700,
  EMERGENCY: 800,
};

const micros = (iso: string | undefined) => (iso ? Date.parse(iso) * 1000 : null);

/** One fixture as an `_AllLogs` row (JSON columns as text), the way Log Analytics stores what Cloud Logging serves. */
export function allLogsRow(e: SimpleEntry): Record<string, unknown> {
  const labels = e.labels && Object.keys(e.labels).length > 0 ? JSON.stringify(e.labels) : null;
  return {
    ts_us: micros(e.timestamp),
    receive_us: micros(e.receiveTimestamp ?? e.timestamp),
    log_name: e.logName ?? null,
    insert_id: e.insertId ?? null,
    severity: e.severity ?? null,
    severity_number: SEVERITY_NUMBER[e.severity ?? "DEFAULT"] ?? 0,
    resource_type: e.resource?.type ?? null,
    resource_labels: JSON.stringify(e.resource?.labels ?? {}),
    text_payload: e.textPayload ?? null,
    json_payload: e.textPayload === undefined && e.jsonPayload ? JSON.stringify(e.jsonPayload) : null,
    labels,
    trace: e.trace ?? null,
    span_id: e.spanId ?? null,
    sl: e.sourceLocation
      ? {
          file: e.sourceLocation.file ?? "",
          line: Number(e.sourceLocation.line ?? 0),
          function: e.sourceLocation.function ?? "",
        }
      : null,
    http: e.httpRequest
      ? {
          request_method: e.httpRequest.requestMethod ?? null,
          request_url: e.httpRequest.requestUrl ?? null,
          status: e.httpRequest.status ?? null,
          user_agent: e.httpRequest.userAgent ?? null,
        }
      : null,
  };
}

/** Creates (or replaces) the table `name` (e.g. `garden-p1.gardener._AllLogs`) holding `entries`. */
export async function loadAllLogs(
  connection: DuckDBConnection,
  name: string,
  entries: SimpleEntry[],
): Promise<void> {
  const table = `"${name}"`;
  await connection.run(`CREATE OR REPLACE TABLE ${table} (${ALL_LOGS_COLUMNS})`);
  if (entries.length === 0) return;
  const dir = mkdtempSync(path.join(os.tmpdir(), "lg-all-logs-"));
  try {
    const file = path.join(dir, "rows.ndjson");
    writeFileSync(file, entries.map((e) => JSON.stringify(allLogsRow(e))).join("\n"));
    await connection.run(`INSERT INTO ${table}
      SELECT make_timestamp(ts_us), make_timestamp(receive_us), log_name, insert_id, severity, severity_number,
        {'type': resource_type, 'labels': resource_labels::JSON},
        text_payload, json_payload::JSON, NULL, labels::JSON, trace, span_id,
        CASE WHEN sl IS NULL THEN NULL ELSE {'file': sl.file, 'line': sl.line, 'function': sl.function} END,
        http
      FROM read_json('${file.replace(/'/g, "''")}', format = 'newline_delimited', columns = {
        ts_us: 'BIGINT', receive_us: 'BIGINT', log_name: 'VARCHAR', insert_id: 'VARCHAR', severity: 'VARCHAR',
        severity_number: 'BIGINT', resource_type: 'VARCHAR', resource_labels: 'VARCHAR', text_payload: 'VARCHAR',
        json_payload: 'VARCHAR', labels: 'VARCHAR', trace: 'VARCHAR', span_id: 'VARCHAR',
        sl: 'STRUCT(file VARCHAR, line BIGINT, "function" VARCHAR)',
        http: 'STRUCT(request_method VARCHAR, request_url VARCHAR, status BIGINT, user_agent VARCHAR)'})`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
