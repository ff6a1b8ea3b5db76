import { FINGERPRINT_VERSION } from "../cluster/fingerprint.js";
import { isDashboard } from "../issue-body/dashboard-state.js";
import { parseIssueBody, type IssueDocument } from "../issue-body/document.js";
import { isStormNotice } from "../issue-body/intake-state.js";
import type { IssueState } from "../issue-body/marker.js";

/** An issue as listed from GitHub, reduced to what planning needs. */
export interface ExistingIssue {
  number: number;
  title: string;
  body: string;
  state: "open" | "closed";
  stateReason?: string | null;
  closedAt?: string | null;
  createdAt?: string;
  labels: string[];
  url: string;
  pullRequest?: boolean;
}

export type TrackedIssue = ExistingIssue & {
  marker: IssueState;
  /** What is wrong with the body; the next update rebuilds it from `marker`. */
  damage: string[];
};

export interface Inventory {
  /** Issues by fingerprint and alias; an open issue wins over closed ones, then the oldest open one. */
  byFingerprint: Map<string, TrackedIssue>;
  /**
   * Issues whose fingerprint an older algorithm wrote, by template id and service: used only when no
   * fingerprint or alias matches, and only when one issue has that key (`undefined` marks an ambiguous key).
   */
  byPattern: Map<string, TrackedIssue | undefined>;
  tracked: TrackedIssue[];
  /** Issues whose state cannot be used: reported, never rewritten, their patterns never filed again. */
  damaged: Array<{ issue: ExistingIssue; reason: string; fingerprints: string[] }>;
}

export const DASHBOARD_LABEL = "log-gardener:dashboard";
/** The label of a storm notice (filed when there is no dashboard to show the storm on). */
export const STORM_LABEL = "log-gardener:storm";

/** The dashboard and storm notices: the bot's issues that are not about one pattern. */
export function isNotice(issue: ExistingIssue): boolean {
  return (
    issue.labels.includes(DASHBOARD_LABEL) ||
    issue.labels.includes(STORM_LABEL) ||
    isDashboard(issue.body) ||
    isStormNotice(issue.body)
  );
}

export function patternKey(templateId: string, service?: string): string {
  return `${templateId}\u0000${service ?? ""}`;
}

/**
 * An open issue wins, then one not closed as a duplicate (`/garden link`); of two open ones the older
 * (the other is a duplicate a concurrent pass filed), of two closed ones the newer (the latest regression).
 */
function better(a: TrackedIssue, b: TrackedIssue): TrackedIssue {
  if (a.state !== b.state) return a.state === "open" ? a : b;
  const dupA = a.stateReason === "duplicate";
  if (dupA !== (b.stateReason === "duplicate")) return dupA ? b : a;
  if (a.state === "open") return a.number < b.number ? a : b;
  return a.number > b.number ? a : b;
}

/** Parses the documents of the bot's issues; those whose state cannot be used are kept aside. */
export function inventory(issues: ExistingIssue[]): Inventory {
  const byFingerprint = new Map<string, TrackedIssue>();
  const byPattern = new Map<string, TrackedIssue | undefined>();
  const tracked: TrackedIssue[] = [];
  const damaged: Inventory["damaged"] = [];
  const seen = new Set<number>();
  for (const issue of issues) {
    if (isNotice(issue) || issue.pullRequest || seen.has(issue.number)) continue;
    seen.add(issue.number);
    const doc: IssueDocument = parseIssueBody(issue.body);
    if (!doc.state) {
      const reason = doc.ours ? doc.damage.join("; ") : "no Log Gardener marker in the body";
      damaged.push({ issue, reason, fingerprints: doc.fingerprints });
      continue;
    }
    const item: TrackedIssue = { ...issue, marker: doc.state, damage: doc.damage };
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

/** Open issues that carry the same fingerprint as an older open one: duplicates a concurrent pass filed. */
export function duplicatesOf(
  inv: Inventory,
  fingerprints: Iterable<string>,
): Array<{ duplicate: TrackedIssue; of: TrackedIssue }> {
  const out: Array<{ duplicate: TrackedIssue; of: TrackedIssue }> = [];
  for (const fp of fingerprints) {
    const keep = inv.byFingerprint.get(fp);
    if (!keep || keep.state !== "open") continue;
    for (const item of inv.tracked) {
      if (item.number !== keep.number && item.state === "open" && item.marker.fp === fp) {
        out.push({ duplicate: item, of: keep });
      }
    }
  }
  return out;
}
