import type { Priority } from "../config/schema.js";
import type { Severity } from "../entries/log-entry.js";

/** Version of the marker layout; older versions are read and rewritten in the current one. */
export const MARKER_VERSION = 1;
const PREFIX = "log-gardener";

export interface Cursor {
  countedUpTo: string;
  recent: Array<[string, number]>;
}

export interface RunRecord {
  at: string;
  count: number;
}

/** What the next pass needs to know about an issue, kept in the issue itself (GitHub is the store of record). */
export interface IssueState {
  v: number;
  fp: string;
  /** Newest fingerprint algorithm covered by `fp` and `aliases` (absent: before versioning). */
  fpv?: number;
  /** Fingerprints this pattern had under older algorithms or merged patterns (`/garden link`). */
  aliases: string[];
  templateId: string;
  template: string;
  service?: string;
  logger?: string;
  function?: string;
  project?: string;
  severity: Severity;
  /** Priority the bot last set; a different priority label on the issue means a human changed it. */
  priority: Priority;
  category: string;
  rule: string;
  total: number;
  firstSeen: string;
  lastSeen: string;
  /** Entries up to this time are counted; `recent` holds [insertId, epoch ms] of those counted just before it. */
  countedUpTo: string;
  recent: Array<[string, number]>;
  history: RunRecord[];
  /** Counting cursors of fingerprints merged in by `/garden link`; the main `fp` uses `countedUpTo`/`recent`. */
  cursors?: Record<string, Cursor>;
  /** A human set the priority (`/garden priority`): rules never raise it. */
  priorityPinned?: boolean;
  snooze?: { until?: string; occurrences?: number };
  impact?: string;
}

const STATE_RE = new RegExp(`<!-- ${PREFIX}:state (\\{.*?\\}) -->`, "s");
const ANY_MARKER_RE = new RegExp(`<!-- ${PREFIX}:`);

/** JSON that can sit inside an HTML comment: `<`, `>` and `&` are escaped, so `-->` cannot occur. */
export function commentSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

export function encodeState(state: IssueState): string {
  return `<!-- ${PREFIX}:state ${commentSafeJson(state)} -->`;
}

export type DecodedState = { ok: true; state: IssueState } | { ok: false; reason: string };

/** Reads the state marker; a marker that a human damaged is reported, never silently ignored. */
export function decodeState(body: string | null | undefined): DecodedState | undefined {
  const text = body ?? "";
  const match = STATE_RE.exec(text);
  if (!match) {
    if (text.includes(`<!-- ${PREFIX}:state`)) return { ok: false, reason: "state marker is not valid JSON" };
    return ANY_MARKER_RE.test(text) ? { ok: false, reason: "state marker missing" } : undefined;
  }
  try {
    const state = JSON.parse(match[1]) as IssueState;
    if (
      typeof state.fp !== "string" ||
      typeof state.total !== "number" ||
      typeof state.templateId !== "string"
    ) {
      return { ok: false, reason: "state marker lacks fp, total or templateId" };
    }
    return {
      ok: true,
      state: {
        ...state,
        aliases: state.aliases ?? [],
        recent: state.recent ?? [],
        history: state.history ?? [],
      },
    };
  } catch {
    return { ok: false, reason: "state marker is not valid JSON" };
  }
}

export function sectionStart(name: string): string {
  return `<!-- ${PREFIX}:begin ${name} -->`;
}
export function sectionEnd(name: string): string {
  return `<!-- ${PREFIX}:end ${name} -->`;
}

/** The text between a section's markers, or undefined when the section is absent. */
export function readSection(body: string, name: string): string | undefined {
  const start = body.indexOf(sectionStart(name));
  const end = body.indexOf(sectionEnd(name));
  if (start < 0 || end < start) return undefined;
  return body.slice(start + sectionStart(name).length, end);
}

/**
 * Replaces the bot-owned sections and the state marker of `current` with those of `rendered`, keeping
 * everything a human wrote outside them. Sections missing from `current` are appended.
 */
export function mergeBody(current: string, rendered: string, sections: string[]): string {
  let body = current.replace(STATE_RE, "").trimEnd();
  for (const name of sections) {
    const fresh = readSection(rendered, name);
    if (fresh === undefined) continue;
    const block = `${sectionStart(name)}${fresh}${sectionEnd(name)}`;
    const start = body.indexOf(sectionStart(name));
    const end = body.indexOf(sectionEnd(name));
    body =
      start >= 0 && end > start
        ? body.slice(0, start) + block + body.slice(end + sectionEnd(name).length)
        : `${body}\n\n${block}`;
  }
  const state = STATE_RE.exec(rendered);
  return state ? `${body}\n\n${state[0]}\n` : `${body}\n`;
}

/** Sections the bot rewrites on every update; everything else in a body belongs to humans (or other handlers). */
export const BOT_SECTIONS = ["summary", "checklist"];

/** How much of a body is kept when the bot rewrites its sections: the room the bot's own text must leave. */
export function humanTextLength(body: string): number {
  let kept = body.replace(STATE_RE, "");
  for (const name of BOT_SECTIONS) {
    const inner = readSection(kept, name);
    if (inner !== undefined) kept = kept.replace(`${sectionStart(name)}${inner}${sectionEnd(name)}`, "");
  }
  return kept.length;
}
