import { applyTicks, readTicks, STEP_COUNT, withStatusLine } from "./checklist.js";
import { BOT_SECTIONS, decodeState, encodeState, mergeBody } from "./marker.js";

/**
 * The body to write: the bot's freshly rendered sections merged into the issue as it is now. What
 * humans did since the issue was listed survives: text outside the sections, ticked boxes, and what
 * `/garden` commands stored in the marker (snooze, impact, pinned priority, linked patterns).
 */
export function reconcileBody(current: string, rendered: string): string {
  const planned = decodeState(rendered);
  const now = decodeState(current);
  let fresh = rendered;
  if (planned?.ok && now?.ok) {
    const p = planned.state;
    const c = now.state;
    const state = {
      ...p,
      snooze: c.snooze,
      impact: c.impact,
      priority: c.priorityPinned ? c.priority : p.priority,
      priorityPinned: c.priorityPinned,
      aliases: [...new Set([...p.aliases, ...c.aliases])].filter((fp) => fp !== p.fp),
      cursors: c.cursors || p.cursors ? { ...c.cursors, ...p.cursors } : undefined,
    };
    fresh = rendered.replace(encodeState(p), encodeState(state));
  }
  const ticks = readTicks(current, STEP_COUNT);
  return withStatusLine(applyTicks(mergeBody(current, fresh, BOT_SECTIONS), ticks), ticks);
}
