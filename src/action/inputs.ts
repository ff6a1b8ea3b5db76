import { access } from "node:fs/promises";
import path from "node:path";
import * as core from "@actions/core";
import { defaultConfig } from "../config/load.js";
import type { GardenerConfig } from "../config/schema.js";
import type { RepoRef } from "../github/client.js";
import { loadConfigFile } from "../cli/config-file.js";
import { UsageError } from "../cli/errors.js";

export const DEFAULT_CONFIG = ".github/log-gardener.yml";

/** The step's inputs (action.yml), read from the runner's INPUT_* variables through @actions/core. */
export interface ActionInputs {
  token: string;
  /** Absolute path of the config file. */
  config: string;
  project?: string;
  since?: string;
  /** Absolute path of an exported log file. */
  logs?: string;
  dryRun: boolean;
}

/** Workspace-relative paths, as the runner and annotations see them. */
export function workspace(env: NodeJS.ProcessEnv = process.env): string {
  return env.GITHUB_WORKSPACE || process.cwd();
}

export function readInputs(env: NodeJS.ProcessEnv = process.env): ActionInputs {
  const root = workspace(env);
  const optional = (name: string) => core.getInput(name) || undefined;
  let dryRun: boolean;
  try {
    dryRun = core.getInput("dry-run") === "" ? false : core.getBooleanInput("dry-run");
  } catch {
    throw new UsageError(`dry-run: expected true or false, got ${JSON.stringify(core.getInput("dry-run"))}`);
  }
  const logs = optional("logs");
  return {
    token: core.getInput("github-token"),
    config: path.resolve(root, optional("config") ?? DEFAULT_CONFIG),
    project: optional("project"),
    since: optional("since"),
    logs: logs && path.resolve(root, logs),
    dryRun,
  };
}

/** GITHUB_REPOSITORY, the repository the workflow runs in. */
export function repoFromEnv(env: NodeJS.ProcessEnv = process.env): RepoRef {
  const [owner, repo, extra] = (env.GITHUB_REPOSITORY ?? "").split("/");
  if (!owner || !repo || extra !== undefined) {
    throw new UsageError(
      `GITHUB_REPOSITORY is ${JSON.stringify(env.GITHUB_REPOSITORY ?? "")}: expected owner/name`,
    );
  }
  return { owner, repo };
}

/** The config file; a missing file at the default path means the defaults (then `project` must be an input). */
export async function loadActionConfig(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<GardenerConfig> {
  const exists = await access(file).then(
    () => true,
    () => false,
  );
  if (exists) return loadConfigFile(file);
  if (file === path.resolve(workspace(env), DEFAULT_CONFIG)) {
    core.info(`No ${DEFAULT_CONFIG} in the repository: using the defaults`);
    return defaultConfig();
  }
  throw new UsageError(
    `config ${path.relative(workspace(env), file)} not found in the workspace: check the \`config\` input ` +
      "(and that actions/checkout runs before this step)",
  );
}
