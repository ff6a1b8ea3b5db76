import type { GardenerConfig } from "../config/schema.js";
import { labelPrefix, prefixedLabel, priorityLabel, type BotLabelPrefix } from "../issue-body/format.js";
import type { IssueState } from "../issue-body/marker.js";

/** The labels the state asks for under the bot's prefixes (priority and step aside). */
function describedBy(state: IssueState): string[] {
  return [
    prefixedLabel("severity", state.severity.toLowerCase()),
    ...(state.service ? [prefixedLabel("service", state.service)] : []),
    prefixedLabel("category", state.category),
  ];
}

/** Labels of a new issue: the bot's, priority, severity, service and category, plus the config's extras. */
export function issueLabels(state: IssueState, config: GardenerConfig): string[] {
  const labels = [
    config.labels.bot,
    priorityLabel(state.priority),
    ...describedBy(state),
    ...config.labels.extra,
  ];
  return [...new Set(labels)];
}

const RECONCILED: BotLabelPrefix[] = ["severity", "service", "category"];

/**
 * What an existing issue's labels need so they match its state: the bot's label back when a human
 * removed it, and the severity, service and category labels moved when the pattern changed. Priority
 * labels are handled with the priority (a human's choice wins); other labels are never touched.
 */
export function labelChanges(
  state: IssueState,
  labels: string[],
  config: GardenerConfig,
): { add: string[]; remove: string[] } {
  const has = new Set(labels.map((l) => l.toLowerCase()));
  const wanted = describedBy(state);
  const wantedSet = new Set(wanted.map((l) => l.toLowerCase()));
  const add = [config.labels.bot, ...wanted].filter((l) => !has.has(l.toLowerCase()));
  const remove = labels.filter((l) => {
    const prefix = labelPrefix(l);
    return prefix !== undefined && RECONCILED.includes(prefix) && !wantedSet.has(l.toLowerCase());
  });
  return { add: [...new Set(add)], remove };
}

const PRIORITY_COLOURS = ["b60205", "d93f0b", "fbca04", "0e8a16", "1d76db", "c5def5"];

/** Colour and description for a label the bot creates. */
export function labelStyle(name: string): { color: string; description: string } {
  const [kind, value] = name.split(":");
  if (kind === "priority") {
    return {
      color: PRIORITY_COLOURS[Number(value.slice(1))] ?? "ededed",
      description: `Log Gardener priority ${value}`,
    };
  }
  const styles: Record<string, { color: string; description: string }> = {
    severity: { color: "f9d0c4", description: "Highest log severity seen in this pattern" },
    service: { color: "bfdadc", description: "Service that logs this pattern" },
    category: { color: "d4c5f9", description: "Log Gardener triage category" },
    step: { color: "c2e0c6", description: "Remediation step completed" },
  };
  return styles[kind] ?? { color: "0e8a16", description: "Managed by Log Gardener" };
}
