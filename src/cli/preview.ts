import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { stringify } from "yaml";
import type { GardenerConfig } from "../config/schema.js";
import type { Analysis, SourceResult } from "../pass/analyze.js";
import { inventory } from "../plan/existing.js";
import { worklogIntake } from "../plan/new-issues.js";
import { computePlan, type Plan } from "../plan/plan.js";
import type { Redactor } from "../safety/redact.js";
import { render } from "../templates/render.js";

/** Files this module writes into `<out>/issues/` (and removes before writing again). */
const PREVIEW_FILE = /^(\d{3}-[A-Za-z0-9_-]+\.md|backlog\.md)$/;

/** The plan of a first pass on an empty repository: what a new install would file, and what would wait. */
export function firstPassPlan(
  analysis: Analysis,
  source: SourceResult,
  config: GardenerConfig,
  now: Date,
  redactor: Redactor,
): Plan {
  const window = {
    from:
      source.timeRange.from ?? analysis.clusters.reduce((m, c) => (c.firstSeen < m ? c.firstSeen : m), now),
    to: source.timeRange.to ?? now,
  };
  const plan = computePlan({
    clusters: analysis.clusters,
    existing: inventory([]),
    config,
    now,
    window,
    redactor,
  });
  analysis.worklog.intake = worklogIntake(plan.intake, plan.deferred, config);
  return plan;
}

/**
 * Writes one Markdown file per issue the plan creates, exactly as it would be posted (title and labels
 * as front matter, then the body), numbered in filing order, and `backlog.md` with what would wait.
 * Returns the files written.
 */
export async function writeIssuePreviews(plan: Plan, out: string): Promise<string[]> {
  const dir = path.join(out, "issues");
  await mkdir(dir, { recursive: true });
  for (const name of await readdir(dir)) if (PREVIEW_FILE.test(name)) await rm(path.join(dir, name));
  const files: string[] = [];
  let n = 0;
  for (const action of plan.actions) {
    if (action.kind !== "create") continue;
    const priority = /^\[(P[0-5])\]/.exec(action.title)?.[1] ?? "new";
    const file = path.join(dir, `${String(++n).padStart(3, "0")}-${priority}-${action.fingerprint}.md`);
    const front = stringify({ title: action.title, labels: action.labels }, { lineWidth: 0 });
    await writeFile(file, `---\n${front}---\n${action.body}`);
    files.push(file);
  }
  const backlog = path.join(dir, "backlog.md");
  await writeFile(
    backlog,
    render("preview-backlog", { deferred: plan.deferred, filed: n, storm: plan.storm }),
  );
  files.push(backlog);
  return files;
}
