import { SEVERITIES, type Severity } from "../entries/log-entry.js";

/** What one garden pass reads from Cloud Logging. */
export interface LogQuery {
  projectId: string;
  /** Monitored resource type, e.g. "cloud_run_revision", "gae_app", "k8s_container". */
  resourceType?: string;
  /** Service names; matched against the resource label that names the service for `resourceType`. */
  services?: string[];
  /** Entries at this severity or above (the config's default is WARNING). */
  severityFloor: Severity;
  /** Inclusive start of the time window. */
  since: Date;
  /** Exclusive end of the time window. */
  until: Date;
  /** A user's Cloud Logging query, ANDed with the rest. */
  extraFilter?: string;
}

/** The query can't be turned into a filter (bad dates, unbalanced extra filter…). */
export class FilterError extends Error {
  override name = "FilterError";
}

const SERVICE_LABELS: Record<string, string> = {
  cloud_run_revision: "service_name",
  cloud_run_job: "job_name",
  gae_app: "module_id",
  cloud_function: "function_name",
  k8s_container: "container_name",
};

/** The resource label that holds the service name for a monitored resource type. */
export function serviceLabelFor(resourceType: string | undefined): string {
  return (resourceType && SERVICE_LABELS[resourceType]) || "service_name";
}

/** A Cloud Logging query-language string literal: double quotes, backslash escapes. */
export function quote(value: string): string {
  const escaped = value.replace(/[\\"\n\r\t]/g, (c) =>
    c === "\n" ? "\\n" : c === "\r" ? "\\r" : c === "\t" ? "\\t" : `\\${c}`,
  );
  return `"${escaped}"`;
}

function iso(date: Date, what: string): string {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
    throw new FilterError(`invalid ${what} time: ${String(date)}`);
  }
  return date.toISOString();
}

/**
 * A user filter made safe to wrap in parentheses: `--` comments (outside string literals) are dropped, as
 * they would otherwise comment out the closing parenthesis, and the parentheses must balance, so that
 * `a) OR (b` cannot widen the query.
 */
export function cleanExtraFilter(filter: string): string {
  let out = "";
  let depth = 0;
  let inString = false;
  for (let i = 0; i < filter.length; i++) {
    const c = filter[i];
    if (inString && c === "\\") {
      out += c + (filter[i + 1] ?? "");
      i++;
      continue;
    }
    if (inString) {
      if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "-" && filter[i + 1] === "-") {
      const end = filter.indexOf("\n", i);
      i = end === -1 ? filter.length : end - 1;
      continue;
    } else if (c === "(") depth++;
    else if (c === ")" && --depth < 0) break;
    out += c;
  }
  if (inString) throw new FilterError(`extra filter has an unterminated string: ${filter}`);
  if (depth !== 0) throw new FilterError(`extra filter has unbalanced parentheses: ${filter}`);
  return out.trim();
}

/**
 * The Cloud Logging filter for a query, e.g.
 * `resource.type="cloud_run_revision" AND (resource.labels.service_name="api") AND severity>=WARNING AND
 * timestamp>="2026-11-22T04:00:00.000Z" AND timestamp<"2026-11-22T10:00:00.000Z" AND (<extra>)`.
 */
export function buildFilter(q: LogQuery): string {
  if (!(SEVERITIES as readonly string[]).includes(q.severityFloor)) {
    throw new FilterError(`unknown severity floor: ${String(q.severityFloor)}`);
  }
  const since = iso(q.since, "start");
  const until = iso(q.until, "end");
  if (q.since.getTime() >= q.until.getTime()) {
    throw new FilterError(`empty time window: ${since} is not before ${until}`);
  }

  const parts: string[] = [];
  if (q.resourceType) parts.push(`resource.type=${quote(q.resourceType)}`);
  const services = (q.services ?? []).filter((s) => s !== "");
  if (services.length > 0) {
    const label = `resource.labels.${serviceLabelFor(q.resourceType)}`;
    parts.push(`(${services.map((s) => `${label}=${quote(s)}`).join(" OR ")})`);
  }
  parts.push(`severity>=${q.severityFloor}`);
  parts.push(`timestamp>=${quote(since)}`, `timestamp<${quote(until)}`);
  const extra = q.extraFilter ? cleanExtraFilter(q.extraFilter) : "";
  if (extra) parts.push(`(${extra})`);
  return parts.join(" AND ");
}
