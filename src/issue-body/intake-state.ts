/**
 * What the bot remembers about patterns that have no issue yet: the backlog of deferred patterns, the
 * record of recent passes (how many patterns were new in each) and the storms. The app keeps all of it
 * in the dashboard's hidden state; without a dashboard, a storm is remembered by its notice issue.
 * Validated like an issue's state, so a hand-edited marker loses only what cannot be read.
 */
import { z } from "zod";
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
