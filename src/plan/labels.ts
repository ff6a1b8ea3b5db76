import type { GardenerConfig } from "../config/schema.js";
import type { IssueState } from "../issue-body/marker.js";

const LABEL_NAME_MAX = 50;

/** Labels of a new issue: the bot's, priority, severity, service and category, plus the config's extras. */
export function issueLabels(state: IssueState, config: GardenerConfig): string[] {
  const labels = [
    config.labels.bot,
    `priority:${state.priority}`,
    `severity:${state.severity.toLowerCase()}`,
    ...(state.service ? [`service:${state.service}`] : []),
    `category:${state.category}`,
    ...config.labels.extra,
  ];
  return [...new Set(labels.map((l) => l.replace(/,/g, " ").slice(0, LABEL_NAME_MAX)))];
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
