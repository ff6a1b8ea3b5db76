import { FINGERPRINT_VERSION } from "../cluster/fingerprint.js";
import { decodeState, type IssueState } from "../issue-body/marker.js";

/** An issue as listed from GitHub, reduced to what planning needs. */
export interface ExistingIssue {
  number: number;
  title: string;
  body: string;
  state: "open" | "closed";
  stateReason?: string | null;
  closedAt?: string | null;
  labels: string[];
  url: string;
  pullRequest?: boolean;
}

export type TrackedIssue = ExistingIssue & { marker: IssueState };

export interface Inventory {
  /** Issues by fingerprint and alias; an open issue wins over closed ones, then the newest. */
  byFingerprint: Map<string, TrackedIssue>;
  /**
   * Issues whose fingerprint an older algorithm wrote, by template id and service: used only when no
   * fingerprint or alias matches, and only when one issue has that key (`undefined` marks an ambiguous key).
   */
  byPattern: Map<string, TrackedIssue | undefined>;
  tracked: TrackedIssue[];
  damaged: Array<{ issue: ExistingIssue; reason: string; fingerprint?: string }>;
}

export const DASHBOARD_LABEL = "log-gardener:dashboard";
const VISIBLE_FP_RE = /Fingerprint `([0-9a-f]{12})`/;

export function patternKey(templateId: string, service?: string): string {
  return `${templateId}\u0000${service ?? ""}`;
}

/** An open issue wins, then one not closed as a duplicate (`/garden link`), then the newest. */
function better(a: TrackedIssue, b: TrackedIssue): TrackedIssue {
  if (a.state !== b.state) return a.state === "open" ? a : b;
  const dupA = a.stateReason === "duplicate";
  if (dupA !== (b.stateReason === "duplicate")) return dupA ? b : a;
  return a.number > b.number ? a : b;
}

/** Parses the markers of the bot's issues; damaged ones are kept aside with what can still be read. */
export function inventory(issues: ExistingIssue[]): Inventory {
  const byFingerprint = new Map<string, TrackedIssue>();
  const byPattern = new Map<string, TrackedIssue | undefined>();
  const tracked: TrackedIssue[] = [];
  const damaged: Inventory["damaged"] = [];
  for (const issue of issues) {
    if (issue.labels.includes(DASHBOARD_LABEL)) continue;
    const decoded = decodeState(issue.body) ?? { ok: false, reason: "no Log Gardener marker in the body" };
    if (!decoded.ok) {
      damaged.push({ issue, reason: decoded.reason, fingerprint: VISIBLE_FP_RE.exec(issue.body)?.[1] });
      continue;
    }
    const item = { ...issue, marker: decoded.state };
    tracked.push(item);
    for (const fp of [item.marker.fp, ...item.marker.aliases]) {
      const current = byFingerprint.get(fp);
      byFingerprint.set(fp, current ? better(current, item) : item);
    }
  }
  for (const item of tracked) {
    if (item.marker.fpv === FINGERPRINT_VERSION) continue;
    const key = patternKey(item.marker.templateId, item.marker.service);
    byPattern.set(key, byPattern.has(key) ? undefined : item);
  }
  return { byFingerprint, byPattern, tracked, damaged };
}
