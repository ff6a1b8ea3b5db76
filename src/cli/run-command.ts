import { readFile } from "node:fs/promises";
import path from "node:path";
import { assetPath } from "../assets.js";
import { systemClock } from "../clock.js";
import type { GardenerConfig } from "../config/schema.js";
import { analyze, type SourceInput } from "../pass/analyze.js";
import { screenPass } from "../pass/screen.js";
import { createRedactor } from "../safety/redact.js";
import type { Worklog } from "../worklog/build.js";
import { render } from "../templates/render.js";
import { loadConfigFile } from "./config-file.js";
import { UsageError, type Io } from "./errors.js";
import { passWindow, prepareSource, writeWorklog } from "./pass.js";
import { firstPassPlan, writeIssuePreviews } from "./preview.js";

export interface RunOptions {
  config?: string;
  logs?: string;
  project?: string;
  since?: string;
  repo?: string;
  githubUrl?: string;
  app?: boolean;
  dryRun?: boolean;
  out: string;
  json?: boolean;
}

function report(worklog: Worklog, opts: RunOptions, io: Io): void {
  if (opts.json) {
    io.stdout.write(`${JSON.stringify(worklog, null, 2)}\n`);
    return;
  }
  io.stdout.write(render("summary", worklog));
  io.stdout.write(`Worklog: ${path.join(opts.out, "worklog.md")} and worklog.json\n`);
  if (opts.dryRun) {
    io.stdout.write(`Issues as they would be posted: ${path.join(opts.out, "issues")}/ (and backlog.md)\n`);
  }
}

/** `log-gardener run`: one garden pass over a file or Cloud Logging. */
export async function runPassCommand(opts: RunOptions, io: Io, now = systemClock()): Promise<number> {
  if (opts.app) return runAsApp(opts, io);
  const config = await loadConfigFile(opts.config);
  if (opts.project) config.project = opts.project;
  const target = opts.repo ? repoTarget(opts) : undefined; // bad usage fails before any log is read
  const window = passWindow(opts.since, config, now);
  const read = prepareSource({ config, window, logs: opts.logs, forSync: !!opts.repo, now, stdin: io.stdin });
  // A file is read (and refused, for plain text) before any issue is; Cloud Logging waits for the issues.
  if (target) return syncRepo(target, opts, config, opts.logs ? await read() : read, io, now);
  const redactor = createRedactor(config.redaction.extra);
  const source = await read();
  const analysis = analyze(source, config, now, undefined, redactor);
  await screenPass(analysis, redactor);
  // what a first install would post: the issues in filing order, and the backlog
  if (opts.dryRun) await writeIssuePreviews(firstPassPlan(analysis, source, config, now, redactor), opts.out);
  await writeWorklog(analysis.worklog, opts.out);
  report(analysis.worklog, opts, io);
  return 0;
}

interface RepoTarget {
  owner: string;
  repo: string;
  token?: string;
}

function repoTarget(opts: RunOptions): RepoTarget {
  const [owner, repo, extra] = (opts.repo ?? "").split("/");
  if (!owner || !repo || extra !== undefined)
    throw new UsageError(`--repo ${opts.repo}: expected owner/name`);
  const token = process.env.GITHUB_TOKEN;
  if (!token && !opts.dryRun)
    throw new UsageError("GITHUB_TOKEN is not set: a token with issues:write is needed");
  return { owner, repo, token };
}

async function syncRepo(
  { owner, repo, token }: RepoTarget,
  opts: RunOptions,
  config: GardenerConfig,
  source: SourceInput,
  io: Io,
  now: Date,
): Promise<number> {
  const { tokenClient } = await import("../github/client.js");
  const { gardenRepo } = await import("../sync/garden-sync.js");
  const gh = tokenClient(token ?? "", opts.githubUrl, {
    warn: (m) => io.stderr.write(`log-gardener: ${m}\n`),
  });
  const result = await gardenRepo({ gh, owner, repo, config, source, now, dryRun: opts.dryRun });
  if (!opts.json) io.stdout.write(render("plan", { ...result.plan, repo: opts.repo, dryRun: opts.dryRun }));
  if (opts.dryRun) await writeIssuePreviews(result.plan, opts.out);
  await writeWorklog(result.worklog, opts.out);
  report(result.worklog, opts, io);
  return result.applied && result.applied.failures.length > 0 ? 1 : 0;
}

/** `log-gardener demo`: the bundled staging-backend export, dry run, no credentials. */
export async function runDemo(opts: Pick<RunOptions, "out" | "json">, io: Io): Promise<number> {
  return runPassCommand(
    {
      ...opts,
      config: assetPath("examples/log-gardener.yml"),
      logs: assetPath("examples/staging-backend.jsonl"),
      dryRun: true,
    },
    io,
  );
}

/** `log-gardener run --app`: every due repo of every installation, authenticated as the GitHub App. */
async function runAsApp(opts: RunOptions, io: Io): Promise<number> {
  const appId = process.env.APP_ID;
  const keyPath = process.env.PRIVATE_KEY_PATH;
  const privateKey =
    process.env.PRIVATE_KEY ?? (keyPath ? await readFile(keyPath, "utf8").catch(() => undefined) : undefined);
  if (!appId || !privateKey) {
    throw new UsageError("--app needs APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH) in the environment");
  }
  const { runAllInstallations } = await import("../app/run-all.js");
  const result = await runAllInstallations({ appId, privateKey, baseUrl: opts.githubUrl, logLevel: "warn" });
  io.stdout.write(opts.json ? `${JSON.stringify(result, null, 2)}\n` : render("run-all", result));
  return result.installations.length > 0 || result.repos.some((r) => r.status === "failed") ? 1 : 0;
}
