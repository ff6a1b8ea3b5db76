import { applyTicks, readTicks, statusLine } from "./checklist.js";
import {
  BOT_SECTIONS,
  decodeState,
  encodeState,
  mergeBody,
  readSection,
  sectionEnd,
  sectionStart,
} from "./marker.js";

const STATUS_RE = /\*\*Status: [^*]*\*\*/;

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
  const ticks = readTicks(current, 7);
  const merged = applyTicks(mergeBody(current, fresh, BOT_SECTIONS), ticks);
  const checklist = readSection(merged, "checklist");
  if (checklist === undefined) return merged;
  const start = sectionStart("checklist");
  return merged.replace(
    `${start}${checklist}${sectionEnd("checklist")}`,
    `${start}${checklist.replace(STATUS_RE, `**Status: ${statusLine(ticks)}**`)}${sectionEnd("checklist")}`,
  );
}
