import { randomUUID } from "node:crypto";
import os from "node:os";
import path from "node:path";
import * as core from "@actions/core";
import { systemClock } from "../clock.js";
import { ConfigError } from "../cli/config-file.js";
import { UsageError } from "../cli/errors.js";
import { passWindow, prepareSource, writeWorklog } from "../cli/pass.js";
import { tokenClient, type GitHub } from "../github/client.js";
import { AccessError, checkIssueWriteAccess } from "../github/preflight.js";
import { NO_CREDENTIALS_MESSAGE } from "../google/credentials.js";
import { CloudLoggingError } from "../google/errors.js";
import { gardenRepo, type SyncResult } from "../sync/garden-sync.js";
import { render } from "../templates/render.js";
import { loadActionConfig, readInputs, repoFromEnv, workspace } from "./inputs.js";

export interface ActionDeps {
  /** Builds the GitHub client; default: the CLI's token client (retries, throttling, GitHub's pacing). */
  github?: (token: string, baseUrl: string | undefined, log: { warn: (m: string) => void }) => GitHub;
}

const NO_CREDENTIALS_IN_ACTION =
  "No Google credentials: add a google-github-actions/auth step before this one (Workload Identity " +
  "Federation; the job needs `permissions: id-token: write`), or give the `logs` input an exported log file";

/**
 * The GitHub Action: one pass on the workflow's repository, the same pass as `log-gardener run --repo`.
 * Nothing is written to GitHub until the config, the Google credentials and the token's issues: write
 * have been checked; each of those failures is one `::error::` line and exit code 1 (a failed step).
 */
export async function runAction(
  deps: ActionDeps = {},
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  let configFile: string | undefined;
  try {
    const inputs = readInputs(env);
    configFile = inputs.config;
    const repo = repoFromEnv(env);
    const config = await loadActionConfig(inputs.config, env);
    if (inputs.project) config.project = inputs.project;
    if (!config.project && !inputs.logs) {
      throw new UsageError(
        "no Google Cloud project: set `project` in the config or the `project` input " +
          "(and check that actions/checkout runs before this step)",
      );
    }
    if (!inputs.token && !inputs.dryRun) {
      throw new UsageError(
        "github-token is empty: pass a token with issues: write (the default is github.token)",
      );
    }
    const now = systemClock();
    const window = passWindow(inputs.since, config, now, "since");
    const read = prepareSource({ config, window, logs: inputs.logs, forSync: true, now, env });
    const gh = (deps.github ?? tokenClient)(inputs.token, env.GITHUB_API_URL || undefined, {
      warn: (m) => core.warning(m),
    });
    if (!inputs.dryRun) await checkIssueWriteAccess(gh, repo, config.labels.bot);
    // A file is read before the issues; Cloud Logging once they are known (a store that counts needs them).
    const source = inputs.logs ? await read() : read;
    const result = await gardenRepo({ gh, ...repo, config, source, now, dryRun: inputs.dryRun });
    const out = path.join(env.RUNNER_TEMP || os.tmpdir(), "log-gardener");
    const worklog = await writeWorklog(result.worklog, out);
    printUntrusted(
      render("plan", { ...result.plan, repo: `${repo.owner}/${repo.repo}`, dryRun: inputs.dryRun }) +
        render("summary", result.worklog),
    );
    setOutputs(result, worklog.file);
    if (env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(worklog.markdown).write();
    const failures = result.applied?.failures ?? [];
    if (failures.length === 0) return 0;
    core.error(
      `${failures.length} GitHub write(s) failed, the next run retries them: ` +
        failures.map((f) => `${f.action}${f.issue ? ` #${f.issue}` : ""}: ${f.error}`).join("; "),
    );
    return 1;
  } catch (error) {
    report(error, configFile, env);
    return 1;
  }
}

function setOutputs(result: SyncResult, worklogFile: string): void {
  const applied = result.applied;
  core.setOutput("created", applied?.created.length ?? 0);
  core.setOutput("updated", applied?.updated.length ?? 0);
  core.setOutput("reopened", applied?.reopened.length ?? 0);
  core.setOutput("patterns", result.worklog.clusters.length);
  core.setOutput("worklog", worklogFile);
}

/** Log text in the job log: the runner must not read a line of it as a workflow command (`::…::`). */
function printUntrusted(text: string): void {
  const token = randomUUID();
  process.stdout.write(
    `::stop-commands::${token}\n${text.endsWith("\n") ? text : `${text}\n`}::${token}::\n`,
  );
}

/** One `::error::` line that says what to change, on the config file's line when there is one. */
function report(error: unknown, configFile: string | undefined, env: NodeJS.ProcessEnv): void {
  if (error instanceof ConfigError) {
    const at = error.problems.find((p) => p.line !== undefined);
    const file = path
      .relative(workspace(env), configFile ?? error.file)
      .split(path.sep)
      .join("/");
    core.error(`Invalid Log Gardener config:\n${error.problems.map((p) => p.text).join("\n")}`, {
      file,
      ...(at ? { startLine: at.line, startColumn: at.col } : {}),
    });
    return;
  }
  if (error instanceof CloudLoggingError && error.message === NO_CREDENTIALS_MESSAGE) {
    core.error(NO_CREDENTIALS_IN_ACTION);
    return;
  }
  if (error instanceof UsageError || error instanceof AccessError || error instanceof CloudLoggingError) {
    core.error(error.message);
    return;
  }
  core.error(`Log Gardener failed: ${error instanceof Error ? error.message : String(error)}`);
  if (env.RUNNER_DEBUG === "1" && error instanceof Error && error.stack) core.debug(error.stack);
}
