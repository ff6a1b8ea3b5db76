/** Cloud Logging severities in rank order (google.logging.type.LogSeverity). */
export const SEVERITIES = [
  "DEFAULT",
  "DEBUG",
  "INFO",
  "NOTICE",
  "WARNING",
  "ERROR",
  "CRITICAL",
  "ALERT",
  "EMERGENCY",
] as const;
export type Severity = (typeof SEVERITIES)[number];

export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

export interface SourceLocation {
  file?: string;
  line?: number;
  function?: string;
  /** Python-style module name, from labels or the payload when Cloud Logging has no sourceLocation. */
  module?: string;
}

export interface HttpRequestInfo {
  requestMethod?: string;
  requestUrl?: string;
  status?: number;
  latency?: string;
  userAgent?: string;
}

/** One log entry, normalized from Cloud Logging's LogEntry or from an exported file. */
export interface LogEntry {
  timestamp: Date;
  /** When Cloud Logging received the entry; counting follows it, so late entries are counted once. */
  receiveTimestamp?: Date;
  severity: Severity;
  message: string;
  jsonPayload?: Record<string, unknown>;
  labels: Record<string, string>;
  resource: { type: string; labels: Record<string, string> };
  /** Service name: resource.labels.service_name / module_id / container_name / k8s app label. */
  service?: string;
  sourceLocation?: SourceLocation;
  logger?: string;
  trace?: string;
  insertId?: string;
  logName?: string;
  httpRequest?: HttpRequestInfo;
}
