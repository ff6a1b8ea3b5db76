import { z } from "zod";
import { SEVERITIES } from "../entries/log-entry.js";
import { PRIORITIES } from "./format.js";

/** Version of the state layout; older versions are read and rewritten in the current one. */
export const MARKER_VERSION = 2;

const ISO_START = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
export const isoTime = z
  .string()
  .refine((v) => ISO_START.test(v) && !Number.isNaN(Date.parse(v)), { message: "expected an ISO 8601 time" });
export const fingerprint = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { message: "expected a fingerprint" });
const recentEntry = z.tuple([z.string().min(1).max(256), z.number().finite()]);
const recentList = z.array(recentEntry).max(2000);

const cursorShape = {
  /** Entries that arrived up to this time are counted. */
  countedUpTo: isoTime,
  /** [insert id, arrival epoch ms] of entries counted inside the lateness band before `countedUpTo`. */
  recent: recentList.default([]),
  /** Entries that arrived at or before this epoch ms count as counted (`recent` was cut to fit). */
  floor: z.number().finite().optional(),
};
const linkedSchema = z.object({ fps: z.array(fingerprint).min(1), ...cursorShape });

export type Cursor = z.infer<z.ZodObject<typeof cursorShape>>;
export type LinkedCursor = z.infer<typeof linkedSchema>;

/** What the next pass needs to know about an issue, kept in the issue itself (GitHub is the store of record). */
export const issueStateSchema = z.looseObject({
  v: z.number().int().nonnegative(),
  fp: fingerprint,
  /** Newest fingerprint algorithm covered by `fp` and `aliases` (absent: before versioning). */
  fpv: z.number().int().optional(),
  /** Fingerprints this pattern had under older algorithms or merged patterns (`/garden link`). */
  aliases: z.array(fingerprint).default([]),
  templateId: z.string().min(1).max(256),
  template: z.string().max(5000),
  service: z.string().max(1000).optional(),
  logger: z.string().max(1000).optional(),
  function: z.string().max(1000).optional(),
  project: z.string().max(1000).optional(),
  severity: z.enum(SEVERITIES),
  /** Priority the bot last set; a different priority label on the issue means a human changed it. */
  priority: z.enum(PRIORITIES),
  category: z.string().max(256),
  rule: z.string().max(2000),
  total: z.number().int().nonnegative(),
  /** Some pass stopped before its window was read (cap or quota): `total` is a lower bound. */
  atLeast: z.boolean().optional(),
  firstSeen: isoTime,
  lastSeen: isoTime,
  ...cursorShape,
  /** `atLeast`: that pass stopped before its window was read, so `count` is a lower bound. */
  history: z
    .array(z.object({ at: isoTime, count: z.number().int().nonnegative(), atLeast: z.boolean().optional() }))
    .default([]),
  /** Counting cursors of patterns merged in by `/garden link`, one per merged group of fingerprints. */
  linked: z.array(linkedSchema).optional(),
  /** A human set the priority (`/garden priority`): rules never raise it. */
  priorityPinned: z.boolean().optional(),
  snooze: z
    .object({ until: isoTime.optional(), occurrences: z.number().int().positive().optional() })
    .optional(),
  impact: z.string().max(2000).optional(),
  /** Bumped by every write of the bot, so a later reader can tell that the bot wrote in between. */
  rev: z.number().int().nonnegative().optional(),
});

export type IssueState = z.infer<typeof issueStateSchema>;
export type RunRecord = IssueState["history"][number];

/** Without these the state cannot be trusted for counting: nothing is repaired, the issue is reported. */
const ESSENTIAL = new Set(["fp", "templateId", "template", "total", "countedUpTo"]);
const ARRAYS = new Set(["aliases", "history", "recent", "linked"]);

type Raw = Record<string, unknown>;

/** Markers written before linked cursors were grouped kept one copy of a cursor per fingerprint. */
function upgrade(raw: Raw): Raw {
  const { cursors, ...rest } = raw;
  if (!cursors || typeof cursors !== "object" || Array.isArray(cursors) || rest.linked) return rest;
  const groups = new Map<string, { fps: string[]; cursor: Raw }>();
  for (const [fp, cursor] of Object.entries(cursors as Record<string, Raw>)) {
    const key = JSON.stringify(cursor);
    const group = groups.get(key) ?? { fps: [], cursor };
    group.fps.push(fp);
    groups.set(key, group);
  }
  return { ...rest, linked: [...groups.values()].map((g) => ({ ...g.cursor, fps: g.fps })) };
}

function fix(raw: Raw, key: string, path: PropertyKey[]): void {
  const valid = (v: unknown) => isoTime.safeParse(v).success;
  if (ARRAYS.has(key)) {
    const list = raw[key];
    if (Array.isArray(list) && typeof path[1] === "number") list.splice(path[1], 1);
    else delete raw[key];
    return;
  }
  const replacements: Record<string, () => unknown> = {
    firstSeen: () => (valid(raw.lastSeen) ? raw.lastSeen : raw.countedUpTo),
    lastSeen: () => raw.countedUpTo,
    severity: () => "DEFAULT",
    priority: () => "P4",
    category: () => "operational",
    rule: () => "unknown",
    v: () => MARKER_VERSION,
  };
  if (replacements[key]) raw[key] = replacements[key]();
  else delete raw[key];
}

export type StateResult = { ok: true; state: IssueState; repairs: string[] } | { ok: false; reason: string };

const explain = (issue: z.core.$ZodIssue) => `${issue.path.join(".") || "(state)"}: ${issue.message}`;

/**
 * Validates a state marker's JSON. A field a human broke that counting does not rest on (a date, a
 * history row, the snooze…) is replaced or dropped and listed in `repairs`; a broken fingerprint, count
 * or cursor makes the state unusable.
 */
export function validateState(json: unknown): StateResult {
  if (!json || typeof json !== "object" || Array.isArray(json)) {
    return { ok: false, reason: "state marker is not a JSON object" };
  }
  const raw = upgrade({ ...(json as Raw) });
  const repairs: string[] = [];
  for (let attempt = 0; attempt < 20; attempt++) {
    const parsed = issueStateSchema.safeParse(raw);
    if (parsed.success) return { ok: true, state: parsed.data, repairs };
    const essential = parsed.error.issues.filter((i) => ESSENTIAL.has(String(i.path[0])));
    if (essential.length > 0) {
      return { ok: false, reason: `state marker is invalid: ${essential.map(explain).join("; ")}` };
    }
    const first = parsed.error.issues[0];
    repairs.push(explain(first));
    fix(raw, String(first.path[0]), first.path);
  }
  return { ok: false, reason: "state marker is invalid in too many places" };
}
