import { Probot, ProbotOctokit } from "probot";
import { createScheduler } from "./create-app.js";
import { optionsFromEnv, type AppOptions } from "./options.js";
import type { InstallationFailure } from "./installations.js";
import type { RepoPassResult } from "./pass-runner.js";

export interface RunAllOptions extends AppOptions {
  appId: number | string;
  privateKey: string;
  /** GitHub API base URL (GitHub Enterprise, tests); default from GHE_HOST and GHE_PROTOCOL like Probot's server. */
  baseUrl?: string;
  /** Run every repo, due or not. */
  force?: boolean;
  Octokit?: typeof ProbotOctokit;
  logLevel?: "trace" | "debug" | "info" | "warn" | "error" | "fatal";
}

/** The GitHub Enterprise Server API URL from GHE_HOST (and GHE_PROTOCOL, default https), as `probot run` does. */
export function gheBaseUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const host = env.GHE_HOST?.trim();
  if (!host) return undefined;
  return `${env.GHE_PROTOCOL?.trim() || "https"}://${host}/api/v3`;
}

export interface RunAllResult {
  repos: RepoPassResult[];
  /** Installations whose repos could not be listed; the others' repos were still passed. */
  installations: InstallationFailure[];
}

/**
 * `log-gardener run --app`: authenticates as the GitHub App, lists its installations and their repos,
 * and runs each due repo's pass (options not given are read from the environment like the server does).
 */
export async function runAllInstallations(opts: RunAllOptions): Promise<RunAllResult> {
  const { warnings, ...fromEnv } = optionsFromEnv();
  const probot = new Probot({
    appId: opts.appId,
    privateKey: opts.privateKey,
    baseUrl: opts.baseUrl ?? gheBaseUrl(),
    Octokit: opts.Octokit,
    logLevel: opts.logLevel ?? "info",
  });
  for (const w of warnings) probot.log.warn(w);
  const scheduler = createScheduler(probot, { ...fromEnv, ...opts });
  const repos = await scheduler.runDue({ discover: true, force: opts.force });
  return { repos, installations: scheduler.discoveryFailures };
}
