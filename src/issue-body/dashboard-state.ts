import { z } from "zod";
import { commentSafeJson } from "./marker.js";
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
});

export type DashboardState = z.infer<typeof dashboardStateSchema>;
export type FingerprintIndex = NonNullable<DashboardState["issues"]>;

const MARKER_RE = /<!-- log-gardener:dashboard (\{.*?\}) -->/s;

export function encodeDashboardState(state: DashboardState): string {
  return `<!-- log-gardener:dashboard ${commentSafeJson(state)} -->`;
}

/**
 * The dashboard's state; undefined for a body without the marker. A marker a human broke still marks
 * the dashboard: what cannot be read is dropped (a lost index only costs a scan before the next create).
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
  for (let attempt = 0; attempt < 50; attempt++) {
    const parsed = dashboardStateSchema.safeParse(raw);
    if (parsed.success) return parsed.data;
    const [key, entry] = parsed.error.issues[0].path;
    const value = raw[String(key)];
    if (key === "issues" && entry !== undefined && value && typeof value === "object") {
      delete (value as Record<string, unknown>)[String(entry)];
    } else delete raw[String(key)];
  }
  return { v: 1 };
}
