import type { GardenerConfig } from "../config/schema.js";
import type { GitHub } from "../github/client.js";
import type { FingerprintIndex } from "../issue-body/dashboard-state.js";
import type { SourceInput } from "../pass/analyze.js";
import { gardenRepo, type DashboardMemory } from "../sync/garden-sync.js";
import type { Worklog } from "../worklog/build.js";

export interface GardenArgs {
  gh: GitHub;
  owner: string;
  repo: string;
  config: GardenerConfig;
  source: SourceInput;
  now: Date;
  refresh?: number[];
  /** The dashboard's fingerprint index (absent: the pass scans for unlabelled issues before creating). */
  index?: FingerprintIndex;
  /** The dashboard's backlog, passes and storms (absent: no dashboard, a storm gets its own issue). */
  memory?: DashboardMemory;
}

export interface GardenOutcome {
  worklog: Worklog;
  /** Per-issue failures: the pass went on without them. */
  failures: string[];
  /** The fingerprint index after the pass, for the dashboard. */
  index?: FingerprintIndex;
  /** The backlog, passes and storms after the pass, for the dashboard. */
  memory?: DashboardMemory;
}

/** Files and updates the repo's issues for one pass (the issue sync), reduced to what the app reports. */
export type GardenFn = (args: GardenArgs) => Promise<GardenOutcome>;

export const syncGarden: GardenFn = async (args) => {
  const result = await gardenRepo(args);
  const failures = (result.applied?.failures ?? []).map(
    (f) =>
      `${f.issue !== undefined ? `#${f.issue}` : `new issue for ${f.fingerprint}`}: ${f.action} failed: ${f.error}`,
  );
  const { backlog, passes, storms } = result.memory;
  return { worklog: result.worklog, failures, index: result.index, memory: { backlog, passes, storms } };
};
