import type { DashboardState } from "../issue-body/dashboard-state.js";
import type { PassRecord, Storm } from "../issue-body/intake-state.js";
import type { Inventory } from "./existing.js";
import { PASS_RECORD, type IntakeMemory } from "./intake.js";

/**
 * The passes as the issues remember them, when nothing recorded them (no dashboard): each pass that
 * wrote an issue left a row in its run history, and a pattern counts as new in the pass that first saw
 * it. Patterns still waiting for their issue are missing, so the usual is a low estimate: a storm is
 * then called a little sooner, never later.
 */
export function passesFromIssues(inv: Inventory): PassRecord[] {
  const times = [...new Set(inv.tracked.flatMap((t) => t.marker.history.map((h) => h.at)))]
    .map((at) => ({ at, ms: Date.parse(at) }))
    .sort((a, b) => a.ms - b.ms)
    .slice(-PASS_RECORD);
  const firstSeen = inv.tracked.map((t) => Date.parse(t.marker.firstSeen));
  return times.map(({ at, ms }, i) => ({
    at,
    new: firstSeen.filter((f) => f <= ms && (i === 0 || f > times[i - 1].ms)).length,
  }));
}

/** When the last pass that left a trace in the issues (or a storm notice) ran. */
function lastTrace(inv: Inventory, storms: Storm[]): string | undefined {
  const times = [
    ...inv.tracked.flatMap((t) => t.marker.history.map((h) => h.at)),
    ...storms.map((s) => s.lastPassAt),
  ];
  return times.sort((a, b) => Date.parse(a) - Date.parse(b)).at(-1);
}

/**
 * What a pass knows about patterns without an issue: from the dashboard (the app: a durable backlog and
 * a record of passes) or, without one, from the issues and the storm notices (deferred patterns are
 * found again in the logs of later windows).
 */
export function intakeMemory(
  inv: Inventory,
  dashboard?: DashboardState,
  notices: Storm[] = [],
): IntakeMemory {
  if (dashboard) {
    const recorded = dashboard.passes ?? [];
    const storms = dashboard.storms ?? [];
    return {
      durable: true,
      backlog: dashboard.backlog ?? [],
      passes: recorded.length > 0 ? recorded : passesFromIssues(inv),
      storms,
      previousPass: recorded.at(-1)?.at ?? lastTrace(inv, storms),
    };
  }
  return {
    durable: false,
    backlog: [],
    passes: passesFromIssues(inv),
    storms: notices,
    previousPass: lastTrace(inv, notices),
  };
}
