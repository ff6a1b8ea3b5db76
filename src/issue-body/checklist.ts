import { STEP_COUNT } from "./format.js";
import { readSection, sectionEnd, sectionStart } from "./marker.js";

export { STEP_COUNT };
const STATUS_RE = /\*\*Status: [^*\n]*\*\*/;
const STEP_RE = /^\s*[-*] \[([ xX])\] <!-- log-gardener:step=(\d) -->/gm;
/** A whole step line, for removing stray copies when a damaged body is rebuilt. */
export const STEP_LINE_RE = /^[ \t]*[-*] \[[ xX]\] <!-- log-gardener:step=\d -->.*(?:\r?\n|$)/gm;

/** Which remediation steps are ticked in a body (index = step number). */
export function readTicks(body: string, steps = STEP_COUNT): boolean[] {
  const ticks = new Array<boolean>(steps).fill(false);
  for (const match of body.matchAll(STEP_RE)) {
    const step = Number(match[2]);
    if (step < steps) ticks[step] = match[1] !== " ";
  }
  return ticks;
}

/** The status line: "ACTIVE – step N complete" for the highest ticked step, "DONE" when all are. */
export function statusLine(ticks: boolean[]): string {
  if (ticks.length > 0 && ticks.every(Boolean)) return "DONE";
  const highest = ticks.lastIndexOf(true);
  return highest < 0 ? "ACTIVE – not started" : `ACTIVE – step ${highest} complete`;
}

/** True when the checklist's status line no longer matches its boxes: someone ticked them since the bot wrote. */
export function statusOutOfDate(body: string): boolean {
  const current = STATUS_RE.exec(readSection(body, "checklist") ?? "")?.[0];
  return current !== undefined && current !== `**Status: ${statusLine(readTicks(body, STEP_COUNT))}**`;
}

/** Steps ticked while an earlier step is still open. */
export function outOfOrder(ticks: boolean[]): number[] {
  const firstOpen = ticks.indexOf(false);
  return firstOpen < 0 ? [] : ticks.flatMap((t, i) => (t && i > firstOpen ? [i] : []));
}

/** Sets each step box of `body` to `ticks`, so boxes ticked meanwhile by a human are not lost. */
export function applyTicks(body: string, ticks: boolean[]): string {
  return body.replace(STEP_RE, (line, _mark: string, step: string) =>
    line.replace(/\[[ xX]\]/, ticks[Number(step)] ? "[x]" : "[ ]"),
  );
}

/** The body with one step box set, for `/garden step N done|undo`. */
export function setStep(body: string, step: number, done: boolean): string {
  const ticks = readTicks(body);
  ticks[step] = done;
  return applyTicks(body, ticks);
}

export function hasStep(body: string, step: number): boolean {
  return readStepNumbers(body).has(step);
}

function readStepNumbers(body: string): Set<number> {
  return new Set([...body.matchAll(STEP_RE)].map((m) => Number(m[2])));
}

/** Step names as the body shows them (`**N. Name**`), so an edit needs no config read. */
export function stepNamesOf(body: string): string[] {
  const names = new Array<string>(STEP_COUNT).fill("");
  for (const m of body.matchAll(/<!-- log-gardener:step=(\d) --> \*\*\d+\. (.+?)\*\*/g)) {
    if (Number(m[1]) < STEP_COUNT) names[Number(m[1])] = m[2];
  }
  return names;
}

/** Rewrites the status line inside the checklist section (never a "**Status:" a human wrote elsewhere). */
export function withStatusLine(body: string, ticks: boolean[]): string {
  const section = readSection(body, "checklist");
  if (section === undefined) return body;
  const start = sectionStart("checklist");
  const end = sectionEnd("checklist");
  const status = `**Status: ${statusLine(ticks)}**`;
  return body.replace(`${start}${section}${end}`, `${start}${section.replace(STATUS_RE, status)}${end}`);
}
