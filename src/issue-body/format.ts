/**
 * The formats the bot writes into issues besides the body: priorities, label names and title prefixes.
 * Every writer (pass, commands, checklist edits, dashboard) takes them from here.
 */
export const PRIORITIES = ["P0", "P1", "P2", "P3", "P4", "P5"] as const;
export type Priority = (typeof PRIORITIES)[number];

/** Remediation steps 0-6; the config schema requires exactly this many. */
export const STEP_COUNT = 7;

/** GitHub's limit on a label name. */
export const LABEL_NAME_MAX = 50;

/** Label prefixes the bot owns on its issues: it sets them and keeps them in line with the state. */
export const BOT_LABEL_PREFIXES = ["priority", "severity", "category", "service", "step"] as const;
export type BotLabelPrefix = (typeof BOT_LABEL_PREFIXES)[number];

/** A label name GitHub accepts: no comma (it separates labels in queries), at most 50 characters. */
export function labelName(text: string): string {
  return text.replace(/,/g, " ").slice(0, LABEL_NAME_MAX);
}

/** `prefix:value`, made a valid label name. */
export function prefixedLabel(prefix: BotLabelPrefix, value: string): string {
  return labelName(`${prefix}:${value}`);
}

export function labelPrefix(label: string): BotLabelPrefix | undefined {
  const prefix = label.slice(0, label.indexOf(":"));
  return (BOT_LABEL_PREFIXES as readonly string[]).includes(prefix) ? (prefix as BotLabelPrefix) : undefined;
}

export const priorityLabel = (priority: Priority): string => prefixedLabel("priority", priority);

const PRIORITY_LABEL_RE = /^priority:(P[0-5])$/i;

export function isPriorityLabel(label: string): boolean {
  return PRIORITY_LABEL_RE.test(label);
}

/** The priority a set of labels shows (the first `priority:Pn`), if any. */
export function priorityOfLabels(labels: string[]): Priority | undefined {
  for (const label of labels) {
    const m = PRIORITY_LABEL_RE.exec(label);
    if (m) return m[1].toUpperCase() as Priority;
  }
  return undefined;
}

/** The step label for ticks: `step:N` for the highest step done, none before any. */
export function stepLabels(labels: string[], ticks: boolean[]): string[] {
  const highest = ticks.lastIndexOf(true);
  const kept = labels.filter((l) => labelPrefix(l) !== "step");
  return highest < 0 ? kept : [...kept, prefixedLabel("step", String(highest))];
}

/** The bot's title, before redaction and defusing: `[P3] service: template`. */
export function titleText(priority: Priority, service: string | undefined, template: string): string {
  return `[${priority}] ${service ? `${service}: ` : ""}${template}`.replace(/\s+/g, " ");
}

const TITLE_PRIORITY_RE = /^\[P[0-5]\] /;

/** The title with its `[Pn]` prefix set to `priority`; a title without the bot's prefix is left alone. */
export function retitle(title: string, priority: Priority): string {
  return TITLE_PRIORITY_RE.test(title) ? title.replace(TITLE_PRIORITY_RE, `[${priority}] `) : title;
}
