import { outOfOrder, readTicks, STEP_COUNT, withStatusLine } from "../issue-body/checklist.js";
import { stepLabels } from "../issue-body/format.js";
import { readSection, sectionEnd } from "../issue-body/marker.js";
import { render } from "../templates/render.js";

export { stepLabels };
const PROGRESS = "progress";

export interface ChecklistChange {
  body: string;
  labels: string[];
  /** Close as completed: every step is done now and was not before. */
  close: boolean;
  /** Human-readable lines of what changed, for a reply. */
  changes: string[];
}

export interface ChecklistInput {
  /** The issue body as it is now (re-read), whose ticks are the truth. */
  body: string;
  /** Ticks before the change (from `changes.body.from`, or the body before a `/garden step`). */
  before: boolean[];
  labels: string[];
  open: boolean;
  actor: string;
  now: Date;
  stepNames: string[];
}

/** Key of a progress entry, so a redelivered event does not log the same tick twice. */
function entryKey(step: number, done: boolean, actor: string): string {
  return `step=${step} done=${done} by=${actor.replace(/[^\w[\]-]/g, "")}`;
}

function lastEntryFor(section: string, step: number): string | undefined {
  const all = [...section.matchAll(/<!-- log-gardener:progress (step=(\d+) done=\w+ by=\S*) -->/g)];
  return all.filter((m) => Number(m[2]) === step).pop()?.[1];
}

function withProgress(body: string, lines: string[]): string {
  if (lines.length === 0) return body;
  const section = readSection(body, PROGRESS);
  if (section === undefined) {
    const block = render("app-progress-section", { entries: lines }).trimEnd();
    const anchor = body.indexOf(sectionEnd("checklist"));
    if (anchor >= 0) {
      const at = anchor + sectionEnd("checklist").length;
      return `${body.slice(0, at)}\n\n${block}${body.slice(at)}`;
    }
    return `${body.trimEnd()}\n\n${block}\n`;
  }
  const end = body.indexOf(sectionEnd(PROGRESS));
  const before = body.slice(0, end).replace(/\n*$/, "\n");
  return `${before}${lines.join("\n")}\n${body.slice(end)}`;
}

/**
 * Brings the status line, the `step:N` label and the progress log in line with the ticks of `body`,
 * logging each step whose box changed since `before`. Idempotent: nothing changes for a body already done.
 */
export function updateChecklist(input: ChecklistInput): ChecklistChange {
  const after = readTicks(input.body, STEP_COUNT);
  const before = Array.from({ length: STEP_COUNT }, (_, i) => input.before[i] === true);
  const close = input.open && after.every(Boolean) && !before.every(Boolean);
  const section = readSection(input.body, PROGRESS) ?? "";
  const open = outOfOrder(after);
  const lines: string[] = [];
  const changes: string[] = [];
  after.forEach((done, step) => {
    if (done === before[step]) return;
    const key = entryKey(step, done, input.actor);
    if (lastEntryFor(section, step) === key) return;
    const firstOpen = after.indexOf(false);
    const outOfOrderOpen =
      done && open.includes(step) ? after.slice(0, step).flatMap((t, i) => (t ? [] : [i])) : [];
    lines.push(
      render("app-progress-entry", {
        at: input.now.toISOString(),
        actor: input.actor,
        done,
        step,
        name: input.stepNames[step],
        outOfOrder: firstOpen >= 0 ? outOfOrderOpen : [],
        closed: close && step === STEP_COUNT - 1,
        key: key.replace(/^step=\d+ done=\w+ by=/, ""),
      }).trim(),
    );
    changes.push(`step ${step} ${done ? "done" : "undone"}`);
  });
  const body = withStatusLine(withProgress(input.body, lines), after);
  return { body, labels: stepLabels(input.labels, after), close, changes };
}
