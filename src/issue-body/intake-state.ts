/**
 * What the bot remembers about patterns that have no issue yet: the backlog of deferred patterns, the
 * record of recent passes (how many patterns were new in each) and the storms. The app keeps all of it
 * in the dashboard's hidden state; without a dashboard, a storm is remembered by its notice issue.
 * Validated like an issue's state, so a hand-edited marker loses only what cannot be read.
 */
import { z } from "zod";
import { FINGERPRINT_VERSION } from "../cluster/fingerprint.js";
import { PRIORITIES } from "./format.js";
import { commentSafeJson } from "./marker.js";
import { fingerprint, isoTime, issueStateSchema } from "./state.js";

/** A maintainer asked for this pattern's issue (a ticked box, `/garden file`). */
export const requestSchema = z.object({ by: z.string().max(100), at: isoTime });

/**
 * A deferred pattern: the state its issue will be created with (counted pass after pass, so nothing is
 * lost while it waits), plus when it was first deferred and whether a maintainer asked for it.
 */
export const backlogEntrySchema = issueStateSchema.extend({
  deferredAt: isoTime,
  requested: requestSchema.optional(),
});

/** One pass, as the storm check needs it: how many of its patterns were new. */
export const passRecordSchema = z.object({
  at: isoTime,
  new: z.number().int().nonnegative(),
  /** A storm pass: not part of the usual. */
  storm: z.boolean().optional(),
});

const stormPatternSchema = z.object({
  fp: fingerprint,
  priority: z.enum(PRIORITIES),
  count: z.number().int().nonnegative(),
  template: z.string().max(500),
  service: z.string().max(200).optional(),
});

/** A storm: when it started, its passes, its top patterns and every pattern first seen in it. */
export const stormSchema = z.object({
  startedAt: isoTime,
  lastPassAt: isoTime,
  endedAt: isoTime.optional(),
  passes: z.number().int().positive(),
  /** New patterns in its last pass, its largest pass, and the usual number before it. */
  newPatterns: z.number().int().nonnegative(),
  peak: z.number().int().nonnegative(),
  usual: z.number().nonnegative(),
  threshold: z.number().int().nonnegative(),
  top: z.array(stormPatternSchema).max(20).default([]),
  /** Fingerprints first seen in the storm: filed afterwards only if they occur again (or on request). */
  born: z.array(fingerprint).max(5000).default([]),
  /** Its P0 patterns: filed even during the storm. */
  filed: z.number().int().nonnegative().default(0),
});

export type BacklogEntry = z.infer<typeof backlogEntrySchema>;
export type PassRecord = z.infer<typeof passRecordSchema>;
export type Storm = z.infer<typeof stormSchema>;
export type StormPattern = z.infer<typeof stormPatternSchema>;

/**
 * Validates `raw` against `schema`, dropping what cannot be read instead of everything: an entry of a
 * list or record that fails is removed, and so is a field that fails. A lost field costs at most a
 * deferred pattern that is found again in the logs.
 */
export function salvage<T extends z.ZodType>(
  schema: T,
  raw: Record<string, unknown>,
): z.infer<T> | undefined {
  for (let attempt = 0; attempt < 200; attempt++) {
    const parsed = schema.safeParse(raw);
    if (parsed.success) return parsed.data as z.infer<T>;
    const [key, entry] = parsed.error.issues[0].path;
    if (key === undefined) return undefined;
    const value = raw[String(key)];
    if (entry !== undefined && Array.isArray(value) && typeof entry === "number") value.splice(entry, 1);
    else if (entry !== undefined && value && typeof value === "object" && !Array.isArray(value)) {
      delete (value as Record<string, unknown>)[String(entry)];
    } else delete raw[String(key)];
  }
  return undefined;
}

/** The hidden marker of a storm notice issue (no dashboard). */
const STORM_MARKER_RE = /<!-- log-gardener:storm (\{.*?\}) -->/s;

export function encodeStormMarker(storm: Storm): string {
  return `<!-- log-gardener:storm ${commentSafeJson({ v: 1, ...storm })} -->`;
}

/** True when a body is a storm notice (whether or not its marker can be read). */
export function isStormNotice(body: string | null | undefined): boolean {
  return (body ?? "").includes("<!-- log-gardener:storm ");
}

/** The storm a notice issue describes; undefined when its marker is missing or unusable. */
export function decodeStormMarker(body: string | null | undefined): Storm | undefined {
  const m = STORM_MARKER_RE.exec(body ?? "");
  if (!m) return undefined;
  try {
    const value = JSON.parse(m[1]) as unknown;
    if (!value || typeof value !== "object" || Array.isArray(value)) return undefined;
    return salvage(stormSchema, { ...(value as Record<string, unknown>) });
  } catch {
    return undefined;
  }
}

/*
 * The backlog as the dashboard stores it: one compact object per pattern, with short keys and epoch
 * milliseconds, so a first install's hundred-odd patterns fit in the issue body beside the worklog. Only
 * the dashboard's marker uses this form; everything else reads `BacklogEntry`.
 *   f fp · i templateId · t template · s service · l logger · m function · v severity · p priority
 *   c category · r rule · n total · k total is a lower bound · a firstSeen · z lastSeen
 *   u countedUpTo · o countedUpTo − floor · e recent · h history [at, count, 1 when a lower bound]
 *   d deferredAt · q requested [by, at] · x aliases
 *   g fpv (when older than the current fingerprint version)
 */
type Packed = Record<string, unknown>;
const ms = (iso: string) => Date.parse(iso);
const iso = (value: unknown) => (typeof value === "number" ? new Date(value).toISOString() : value);

export function packBacklogEntry(e: BacklogEntry): Packed {
  return {
    f: e.fp,
    i: e.templateId,
    t: e.template,
    ...(e.service !== undefined ? { s: e.service } : {}),
    ...(e.logger !== undefined ? { l: e.logger } : {}),
    ...(e.function !== undefined ? { m: e.function } : {}),
    v: e.severity,
    p: e.priority,
    c: e.category,
    r: e.rule,
    n: e.total,
    ...(e.atLeast ? { k: 1 } : {}),
    a: ms(e.firstSeen),
    z: ms(e.lastSeen),
    u: ms(e.countedUpTo),
    ...(e.floor !== undefined ? { o: ms(e.countedUpTo) - e.floor } : {}),
    ...(e.recent.length > 0 ? { e: e.recent } : {}),
    ...(e.history.length > 0
      ? { h: e.history.map((r) => (r.atLeast ? [ms(r.at), r.count, 1] : [ms(r.at), r.count])) }
      : {}),
    d: ms(e.deferredAt),
    ...(e.requested ? { q: [e.requested.by, ms(e.requested.at)] } : {}),
    ...(e.aliases.length > 0 ? { x: e.aliases } : {}),
    ...(e.fpv !== FINGERPRINT_VERSION ? { g: e.fpv ?? 0 } : {}),
  };
}

/** The entry a packed object holds; left as it is when it is not packed (validation then decides). */
export function unpackBacklogEntry(raw: unknown, version: number): unknown {
  if (!raw || typeof raw !== "object" || Array.isArray(raw) || !("f" in raw)) return raw;
  const p = raw as Packed;
  const history = Array.isArray(p.h) ? p.h : [];
  const requested = Array.isArray(p.q) ? { by: p.q[0], at: iso(p.q[1]) } : undefined;
  return {
    v: version,
    fp: p.f,
    templateId: p.i,
    template: p.t,
    service: p.s,
    logger: p.l,
    function: p.m,
    severity: p.v,
    priority: p.p,
    category: p.c,
    rule: p.r,
    total: p.n,
    atLeast: p.k === 1 ? true : undefined,
    firstSeen: iso(p.a),
    lastSeen: iso(p.z),
    countedUpTo: iso(p.u),
    floor: typeof p.o === "number" && typeof p.u === "number" ? p.u - p.o : p.o,
    recent: p.e ?? [],
    history: history.map((r: unknown) =>
      Array.isArray(r) ? { at: iso(r[0]), count: r[1], ...(r[2] === 1 ? { atLeast: true } : {}) } : r,
    ),
    deferredAt: iso(p.d),
    requested,
    aliases: p.x ?? [],
    fpv: p.g === undefined ? FINGERPRINT_VERSION : p.g === 0 ? undefined : p.g,
  };
}
