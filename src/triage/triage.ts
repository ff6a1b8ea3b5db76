import type { Cluster } from "../cluster/aggregate.js";
import { severityRank } from "../entries/log-entry.js";
import { loadDefaultTriageRules } from "../config/default-triage.js";
import { compilePattern } from "../config/pattern.js";
import type { GardenerConfig, Priority, TriageRule } from "../config/schema.js";

export interface Triage {
  priority: Priority;
  category: string;
  businessImpact: string;
  technicalImpact: string;
  /** Why the cluster got its priority: the rule's name, plus the severity floor when it applied. */
  reason: string;
}

export type TriagedCluster = Cluster & { triage: Triage };

const SEVERE_FLOOR: Priority = "P1";
const SEVERE_RANK = severityRank("CRITICAL");

/** Rules in the order they are tried: the repo's own first, then the built-in defaults. */
export function effectiveRules(config: GardenerConfig): TriageRule[] {
  return config.triage.useDefaults
    ? [...config.triage.rules, ...loadDefaultTriageRules()]
    : config.triage.rules;
}

/** Rules see at most this much of a message: enough to classify it, too little for slow patterns to hurt. */
const MAX_MATCHED = 4096;
const bounded = (text: string) => (text.length > MAX_MATCHED ? text.slice(0, MAX_MATCHED) : text);

type CompiledRule = { rule: TriageRule; test: (c: Cluster) => boolean };

function compile(rule: TriageRule): CompiledRule {
  const m = rule.match;
  const message = m.message === undefined ? undefined : compilePattern(m.message);
  const logger = m.logger === undefined ? undefined : compilePattern(m.logger);
  const fn = m.function === undefined ? undefined : compilePattern(m.function);
  const service = m.service === undefined ? undefined : compilePattern(m.service);
  return {
    rule,
    test: (c) =>
      (m.minSeverity === undefined || severityRank(c.maxSeverity) >= severityRank(m.minSeverity)) &&
      (m.minCount === undefined || c.count >= m.minCount) &&
      (message === undefined ||
        message.test(bounded(c.template)) ||
        c.samples.some((s) => message.test(bounded(s.message)))) &&
      (logger === undefined || logger.test(c.logger ?? "")) &&
      (fn === undefined || fn.test(c.function ?? "")) &&
      (service === undefined || service.test(c.service ?? "")),
  };
}

/** Decides priority, category and impact for each cluster with the first rule that matches it. */
export function createTriage(config: GardenerConfig) {
  const rules = effectiveRules(config).map(compile);
  return (cluster: Cluster): Triage => {
    const hit = rules.find((r) => r.test(cluster));
    const set = hit?.rule.set ?? { priority: "P4" as Priority, category: "operational" };
    const triage: Triage = {
      priority: set.priority,
      category: set.category,
      businessImpact: set.businessImpact ?? "Not assessed.",
      technicalImpact: set.technicalImpact ?? "Not assessed.",
      reason: hit ? `rule "${hit.rule.name}"` : "no rule matched",
    };
    if (severityRank(cluster.maxSeverity) >= SEVERE_RANK && triage.priority > SEVERE_FLOOR) {
      triage.priority = SEVERE_FLOOR;
      triage.reason += `, raised to ${SEVERE_FLOOR}: ${cluster.maxSeverity} is never below ${SEVERE_FLOOR}`;
    }
    return triage;
  };
}

export function triageClusters(clusters: Cluster[], config: GardenerConfig): TriagedCluster[] {
  const decide = createTriage(config);
  return clusters
    .map((c) => ({ ...c, triage: decide(c) }))
    .sort((a, b) => a.triage.priority.localeCompare(b.triage.priority) || b.count - a.count);
}
