import { validateState, type IssueState } from "./state.js";

export { MARKER_VERSION, type Cursor, type IssueState, type LinkedCursor, type RunRecord } from "./state.js";

const PREFIX = "log-gardener";

/** Sections of an issue body, in the order they must appear. */
export const SECTION_ORDER = ["summary", "checklist", "progress"] as const;
export type SectionName = (typeof SECTION_ORDER)[number];
/** Sections the bot rewrites on every update; everything else in a body belongs to humans (or other handlers). */
export const BOT_SECTIONS: SectionName[] = ["summary", "checklist"];

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

export function sectionStart(name: string): string {
  return `<!-- ${PREFIX}:begin ${name} -->`;
}
export function sectionEnd(name: string): string {
  return `<!-- ${PREFIX}:end ${name} -->`;
}

/** One of the bot's structural markers found in a body. */
export interface Token {
  kind: "state" | "begin" | "end";
  /** The section name, or the state marker's JSON text. */
  arg: string;
  start: number;
  end: number;
}

const TOKEN_RE = new RegExp(`<!-- ${PREFIX}:(state|begin|end)\\b ?(.*?) ?-->`, "gs");
const ANY_MARKER = `<!-- ${PREFIX}:`;

/** Every state, begin and end marker of a body, in order. */
export function scanTokens(body: string): Token[] {
  return [...body.matchAll(TOKEN_RE)].map((m) => ({
    kind: m[1] as Token["kind"],
    arg: m[2],
    start: m.index,
    end: m.index + m[0].length,
  }));
}

/** True when the body carries any of the bot's markers (steps and progress entries included). */
export function hasAnyMarker(body: string): boolean {
  return body.includes(ANY_MARKER);
}

/** The text between a section's markers, or undefined when the section is absent or malformed. */
export function readSection(body: string, name: string): string | undefined {
  const start = body.indexOf(sectionStart(name));
  const end = body.indexOf(sectionEnd(name));
  if (start < 0 || end < start) return undefined;
  return body.slice(start + sectionStart(name).length, end);
}

export type DecodedMarker =
  { ok: true; state: IssueState; repairs: string[] } | { ok: false; reason: string };

/** Parses and validates one state marker's JSON text. */
export function decodeMarker(json: string): DecodedMarker {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return { ok: false, reason: "state marker is not valid JSON" };
  }
  return validateState(value);
}

export type DecodedState = { ok: true; state: IssueState } | { ok: false; reason: string };

/**
 * The validated state of a body: undefined for a body without any bot marker, a reason for one whose
 * state cannot be used. See `parseIssueBody` (document.ts) for the whole document with its damage.
 */
export function decodeState(body: string | null | undefined): DecodedState | undefined {
  const text = body ?? "";
  if (!hasAnyMarker(text)) return undefined;
  const states = scanTokens(text).filter((t) => t.kind === "state");
  if (states.length === 0) {
    return {
      ok: false,
      reason: text.includes(`${ANY_MARKER}state`) ? "state marker is not valid JSON" : "state marker missing",
    };
  }
  const decoded = states.map((t) => decodeMarker(t.arg));
  const usable = decoded.filter((d): d is Extract<DecodedMarker, { ok: true }> => d.ok);
  if (usable.length === 0) return decoded[0] as DecodedState;
  const state = newestState(usable.map((d) => d.state));
  return state ? { ok: true, state } : { ok: false, reason: "state markers of different patterns" };
}

/**
 * Of several markers for one pattern (an old one pasted back, say), the one counted furthest: counting
 * from it never counts an entry twice. Undefined when they name different patterns.
 */
export function newestState(states: IssueState[]): IssueState | undefined {
  if (new Set(states.map((s) => s.fp)).size > 1) return undefined;
  const at = (s: IssueState) => Date.parse(s.countedUpTo);
  return states.reduce((a, b) => (at(b) > at(a) || (at(b) === at(a) && b.total > a.total) ? b : a));
}
