import { z } from "zod";
import {
  backlogEntrySchema,
  packBacklogEntry,
  passRecordSchema,
  salvage,
  stormSchema,
  unpackBacklogEntry,
} from "./intake-state.js";
import { commentSafeJson, MARKER_VERSION } from "./marker.js";
import { fingerprint, isoTime } from "./state.js";

/**
 * What the dashboard issue remembers between passes (and restarts), validated like an issue's state.
 * Unknown keys are kept, so a newer version's fields survive a write by an older replica.
 */
export const dashboardStateSchema = z.looseObject({
  v: z.literal(1),
  /** When the last pass (or attempt: a config error counts) ended; the next is due from here. */
  lastPass: isoTime.optional(),
  lastResult: z.string().max(2000).optional(),
  /**
   * The fingerprint index: the issue of every pattern the bot tracks, so an issue whose label a human
   * removed or renamed is still found (and relabelled) instead of filed again.
   */
  issues: z.record(fingerprint, z.number().int().positive()).optional(),
  /** Patterns that qualify for an issue and wait for a later pass, with their counting state. */
  backlog: z.array(backlogEntrySchema).optional(),
  /** Deferred patterns the backlog had no room for: found again in the logs of later windows. */
  overflow: z.number().int().nonnegative().optional(),
  /** The last passes: how many new patterns each found (the usual a storm is measured against). */
  passes: z.array(passRecordSchema).optional(),
  /** The current storm and those that ended lately (their patterns wait until they occur again). */
  storms: z.array(stormSchema).optional(),
});

export type DashboardState = z.infer<typeof dashboardStateSchema>;
export type FingerprintIndex = NonNullable<DashboardState["issues"]>;

const MARKER_RE = /<!-- log-gardener:dashboard (\{.*?\}) -->/s;

export function encodeDashboardState(state: DashboardState): string {
  const stored = state.backlog ? { ...state, backlog: state.backlog.map(packBacklogEntry) } : state;
  return `<!-- log-gardener:dashboard ${commentSafeJson(stored)} -->`;
}

/** True when a body carries the dashboard's marker (readable or not). */
export function isDashboard(body: string | null | undefined): boolean {
  return (body ?? "").includes("<!-- log-gardener:dashboard ");
}

/**
 * The dashboard's state; undefined for a body without the marker. A marker a human broke still marks
 * the dashboard: what cannot be read is dropped (a lost index only costs a scan before the next create,
 * a lost backlog entry is found again in the logs).
 */
export function decodeDashboardState(body: string | null | undefined): DashboardState | undefined {
  const m = MARKER_RE.exec(body ?? "");
  if (!m) return undefined;
  let raw: Record<string, unknown>;
  try {
    const value = JSON.parse(m[1]) as unknown;
    raw = value && typeof value === "object" && !Array.isArray(value) ? { ...value, v: 1 } : { v: 1 };
  } catch {
    return { v: 1 };
  }
  if (Array.isArray(raw.backlog)) raw.backlog = raw.backlog.map((e) => unpackBacklogEntry(e, MARKER_VERSION));
  return salvage(dashboardStateSchema, raw) ?? { v: 1 };
}

/** The body with its dashboard marker replaced by `state`. */
export function withDashboardState(body: string, state: DashboardState): string {
  const marker = encodeDashboardState(state);
  return MARKER_RE.test(body) ? body.replace(MARKER_RE, () => marker) : `${body.trimEnd()}\n\n${marker}\n`;
}

/** The box that asks for every backlog pattern at once. */
export const ALL_BOX = "all";
const BOX_RE = /^([ \t]*[-*] \[)([ xX])(\] <!-- log-gardener:backlog=([A-Za-z0-9_-]{1,64}) -->)/gm;

/** The backlog boxes of a dashboard body: fingerprint (or `all`) → ticked. */
export function readBacklogTicks(body: string | null | undefined): Map<string, boolean> {
  const ticks = new Map<string, boolean>();
  for (const m of (body ?? "").matchAll(BOX_RE)) ticks.set(m[4], m[2] !== " ");
  return ticks;
}

/** The body with the given backlog boxes set; boxes not named are left as they are. */
export function setBacklogTicks(body: string, ticks: Map<string, boolean>): string {
  return body.replace(BOX_RE, (line, open: string, _mark: string, rest: string, fp: string) =>
    ticks.has(fp) ? `${open}${ticks.get(fp) ? "x" : " "}${rest}` : line,
  );
}
