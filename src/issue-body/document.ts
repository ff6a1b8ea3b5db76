/**
 * The issue document: parse → validate → model → merge. Every writer of a Log Gardener issue (the pass,
 * `/garden` commands, checklist edits) reads a body through `parseIssueBody` and writes it back through
 * `mergeIssueBody` or `withState`, so a body a human damaged is handled the same way everywhere:
 * reported, rebuilt from the validated state when that is safe, and never a reason to stop a pass.
 */
import { applyTicks, readTicks, STEP_LINE_RE, withStatusLine } from "./checklist.js";
import {
  BOT_SECTIONS,
  decodeMarker,
  encodeState,
  hasAnyMarker,
  newestState,
  readSection,
  scanTokens,
  sectionEnd,
  sectionStart,
  SECTION_ORDER,
  type IssueState,
  type LinkedCursor,
  type Token,
} from "./marker.js";

export interface IssueDocument {
  body: string;
  /** The body carries the bot's markers (a state marker, sections or steps). */
  ours: boolean;
  /** The validated state; absent when no state marker can be trusted. */
  state?: IssueState;
  /** What is wrong with the body, for the report (empty: healthy). */
  damage: string[];
  /** The bot's sections are missing a marker, repeated or out of order: they are rebuilt on write. */
  layoutDamaged: boolean;
  /** Fingerprints the body claims, readable even when its state is not: never filed a second time. */
  fingerprints: string[];
  ticks: boolean[];
}

const VISIBLE_FP_RE = /Fingerprint `([0-9a-f]{12})`/;
const JSON_FP_RE = /"fp"\s*:\s*"([A-Za-z0-9_-]{1,64})"/;

function layoutProblems(tokens: Token[]): string[] {
  const problems: string[] = [];
  const spans: Array<{ name: string; start: number; end: number }> = [];
  for (const name of SECTION_ORDER) {
    const begins = tokens.filter((t) => t.kind === "begin" && t.arg === name);
    const ends = tokens.filter((t) => t.kind === "end" && t.arg === name);
    if (begins.length > 1 || ends.length > 1) problems.push(`the ${name} section appears more than once`);
    else if (begins.length !== ends.length) {
      problems.push(
        `the ${name} section has ${begins.length ? "no end marker" : "an end marker but no begin marker"}`,
      );
    } else if (begins.length === 1 && ends[0].start < begins[0].start) {
      problems.push(`the ${name} section ends before it begins`);
    } else if (begins.length === 1) spans.push({ name, start: begins[0].start, end: ends[0].end });
  }
  const ordered = spans.every((s, i) => i === 0 || spans[i - 1].end <= s.start);
  if (!ordered) problems.push(`sections out of order (expected ${SECTION_ORDER.join(", ")})`);
  return problems;
}

/** Parses and validates a body: its state, its damage and the fingerprints it claims. */
export function parseIssueBody(body: string | null | undefined): IssueDocument {
  const text = body ?? "";
  const ticks = readTicks(text);
  if (!hasAnyMarker(text)) {
    return { body: text, ours: false, damage: [], layoutDamaged: false, fingerprints: [], ticks };
  }
  const tokens = scanTokens(text);
  const damage: string[] = [];
  const fingerprints = new Set<string>();
  const markers = tokens.filter((t) => t.kind === "state");
  const usable: IssueState[] = [];
  if (markers.length === 0) {
    damage.push(
      text.includes("<!-- log-gardener:state") ? "state marker is not valid JSON" : "state marker missing",
    );
  }
  if (markers.length > 1) damage.push(`${markers.length} state markers (one was pasted or left behind)`);
  for (const marker of markers) {
    const decoded = decodeMarker(marker.arg);
    if (!decoded.ok) {
      damage.push(decoded.reason);
      const fp = JSON_FP_RE.exec(marker.arg)?.[1];
      if (fp) fingerprints.add(fp);
      continue;
    }
    damage.push(...decoded.repairs.map((r) => `state marker field ${r}`));
    usable.push(decoded.state);
    for (const fp of [decoded.state.fp, ...decoded.state.aliases]) fingerprints.add(fp);
  }
  const state = usable.length > 0 ? newestState(usable) : undefined;
  if (usable.length > 0 && !state) {
    damage.push(`state markers of different patterns (${[...new Set(usable.map((s) => s.fp))].join(", ")})`);
  }
  const visible = VISIBLE_FP_RE.exec(text)?.[1];
  if (visible) fingerprints.add(visible);
  const layout = layoutProblems(tokens);
  damage.push(...layout);
  return {
    body: text,
    ours: true,
    state,
    damage,
    layoutDamaged: layout.length > 0,
    fingerprints: [...fingerprints],
    ticks,
  };
}

function withoutStateMarkers(body: string): string {
  let out = "";
  let last = 0;
  for (const t of scanTokens(body)) {
    if (t.kind !== "state") continue;
    out += body.slice(last, t.start);
    last = t.end;
  }
  return out + body.slice(last);
}

/** The human text of a damaged body: the bot's markers and sections taken out (a well-formed progress log is kept aside). */
function humanPart(body: string): { text: string; progress?: string } {
  let text = withoutStateMarkers(body);
  let progress: string | undefined;
  for (const name of SECTION_ORDER) {
    const begins = text.split(sectionStart(name)).length - 1;
    const ends = text.split(sectionEnd(name)).length - 1;
    const inner = begins === 1 && ends === 1 ? readSection(text, name) : undefined;
    if (inner !== undefined) {
      if (name === "progress") progress = inner;
      text = text.replace(`${sectionStart(name)}${inner}${sectionEnd(name)}`, "");
    }
    text = text.split(sectionStart(name)).join("").split(sectionEnd(name)).join("");
  }
  text = text.replace(STEP_LINE_RE, "").replace(/\n{3,}/g, "\n\n");
  return { text: text.trim(), progress };
}

function block(name: string, inner: string): string {
  return `${sectionStart(name)}${inner}${sectionEnd(name)}`;
}

/**
 * The body to write: the bot's sections of `rendered` and `state` merged into the document as it is now.
 * Text outside the sections, ticked boxes and the progress log are kept. A damaged layout (a missing or
 * repeated marker, sections out of order) is rebuilt: human text first, then the sections in order.
 */
export function mergeIssueBody(current: IssueDocument, rendered: string, state: IssueState): string {
  let body: string;
  if (current.layoutDamaged) {
    const { text, progress } = humanPart(current.body);
    const parts = text ? [text] : [];
    for (const name of BOT_SECTIONS) {
      const fresh = readSection(rendered, name);
      if (fresh !== undefined) parts.push(block(name, fresh));
    }
    if (progress !== undefined) parts.push(block("progress", progress));
    body = parts.join("\n\n");
  } else {
    body = withoutStateMarkers(current.body).trimEnd();
    for (const name of BOT_SECTIONS) {
      const fresh = readSection(rendered, name);
      if (fresh === undefined) continue;
      const old = readSection(body, name);
      body =
        old !== undefined
          ? body.replace(block(name, old), () => block(name, fresh))
          : `${body}\n\n${block(name, fresh)}`;
    }
  }
  body = `${body.replace(/^\n+/, "")}\n\n${encodeState(state)}\n`;
  return withStatusLine(applyTicks(body, current.ticks), current.ticks);
}

/** The body with its state marker(s) replaced by `state`: what commands and checklist edits write. */
export function withState(body: string, state: IssueState): string {
  return `${withoutStateMarkers(body).trimEnd()}\n\n${encodeState(state)}\n`;
}

/** The state a write of the bot stores: one revision further than any it read. */
export function nextRevision(state: IssueState, ...read: Array<IssueState | undefined>): IssueState {
  const rev = Math.max(state.rev ?? 0, ...read.map((s) => s?.rev ?? 0)) + 1;
  return { ...state, rev };
}

/** What the pass saw when it listed the issue: the fields that commands change. */
export type StateBase = Pick<IssueState, "snooze" | "impact" | "priority" | "priorityPinned" | "total">;

export function stateBase(state: IssueState): StateBase {
  const { snooze, impact, priority, priorityPinned, total } = state;
  return { snooze, impact, priority, priorityPinned, total };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
const groupKey = (g: LinkedCursor) => [...g.fps].sort().join(",");

/**
 * Three-way merge of the state a pass planned with the state the issue has now. A field a command
 * changed since the pass listed the issue (`base`) keeps the command's value; otherwise the pass's value
 * wins, so a countdown the pass made (`snooze 100`) is kept. Linked patterns and counts from a
 * `/garden link` made meanwhile are added. The revision stays the current one: `nextRevision` on write.
 */
export function mergeState(base: StateBase, planned: IssueState, current: IssueState): IssueState {
  const state: IssueState = { ...planned };
  if (!same(current.snooze, base.snooze)) state.snooze = current.snooze;
  if (!same(current.impact, base.impact)) state.impact = current.impact;
  if (current.priority !== base.priority || !same(current.priorityPinned, base.priorityPinned)) {
    state.priority = current.priority;
    state.priorityPinned = current.priorityPinned;
  }
  state.aliases = [...new Set([...planned.aliases, ...current.aliases])].filter((fp) => fp !== planned.fp);
  const plannedGroups = new Set((planned.linked ?? []).map(groupKey));
  const added = (current.linked ?? []).filter((g) => !plannedGroups.has(groupKey(g)));
  if (added.length > 0) state.linked = [...(planned.linked ?? []), ...added];
  state.total = planned.total + Math.max(0, current.total - base.total);
  if (Date.parse(current.firstSeen) < Date.parse(state.firstSeen)) state.firstSeen = current.firstSeen;
  if (Date.parse(current.lastSeen) > Date.parse(state.lastSeen)) state.lastSeen = current.lastSeen;
  state.rev = current.rev;
  return state;
}

/** How much of a body is kept when the bot rewrites its sections: the room the bot's own text must leave. */
export function humanTextLength(body: string): number {
  if (parseIssueBody(body).layoutDamaged) {
    const { text, progress } = humanPart(body);
    return text.length + (progress?.length ?? 0);
  }
  let kept = withoutStateMarkers(body);
  for (const name of BOT_SECTIONS) {
    const inner = readSection(kept, name);
    if (inner !== undefined) kept = kept.replace(block(name, inner), "");
  }
  return kept.length;
}
