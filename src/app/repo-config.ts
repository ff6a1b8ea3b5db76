import { parseConfig } from "../config/load.js";
import type { GardenerConfig } from "../config/schema.js";
import type { GitHub, RepoRef } from "../github/client.js";
import { allowedProjects, type AllowList } from "./allow-list.js";

export const CONFIG_FILE = "log-gardener.yml";
export const CONFIG_PATH = `.github/${CONFIG_FILE}`;

export type RepoConfig =
  | { kind: "ok"; config: GardenerConfig }
  /** No config file in the repo nor in the owner's `.github` repo: the repo is not gardened. */
  | { kind: "missing" }
  | { kind: "invalid"; errors: string[] }
  | { kind: "refused"; errors: string[]; project?: string };

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === "object" && v !== null && !Array.isArray(v);

/** Later configs win; objects merge key by key, arrays and scalars are replaced (7 steps stay 7). */
export function mergeConfigs(configs: Plain[]): Plain {
  const merge = (a: Plain, b: Plain): Plain => {
    const out: Plain = { ...a };
    for (const [k, v] of Object.entries(b))
      out[k] = isPlain(v) && isPlain(out[k]) ? merge(out[k] as Plain, v) : v;
    return out;
  };
  return configs.reduce(merge, {});
}

/** A config-loading failure (bad YAML, bad `_extends`, a directory…) as `path: message`. */
export function configLoadError(error: unknown): string {
  const cause = (error as { cause?: { message?: string; linePos?: Array<{ line: number; col: number }> } })
    .cause;
  const message = error instanceof Error ? error.message : String(error);
  if (cause?.message && /invalid YAML/i.test(message)) {
    const at = cause.linePos?.[0];
    return `${CONFIG_PATH}${at ? `:${at.line}:${at.col}` : ""}: ${cause.message.split("\n")[0]}`;
  }
  return `${CONFIG_PATH}: ${message.replace(/^\[@probot\/octokit-plugin-config\]\s*/, "")}`;
}

/**
 * Reads `.github/log-gardener.yml` with Probot's config plugin (the same loader as `context.config`, so
 * `_extends` and the owner's `.github` repo work), validates it, and checks its project against the
 * server's allow-list. A config without `project` reads the one project the allow-list gives the repo.
 */
export async function loadRepoConfig(gh: GitHub, repo: RepoRef, allowList: AllowList): Promise<RepoConfig> {
  let raw: Plain;
  try {
    const { config, files } = await gh.config.get({
      ...repo,
      path: CONFIG_PATH,
      defaults: (configs) => mergeConfigs(configs as Plain[]),
    });
    if (!files.some((f) => f.config !== null)) return { kind: "missing" };
    raw = { ...config };
    delete raw._extends;
  } catch (error) {
    if (typeof (error as { status?: unknown }).status === "number") throw error;
    return { kind: "invalid", errors: [configLoadError(error)] };
  }
  const parsed = parseConfig(raw);
  if (!parsed.ok) return { kind: "invalid", errors: parsed.errors };
  const allowed = allowedProjects(allowList, repo.owner, repo.repo);
  const config = parsed.config;
  if (!config.project && allowed.length === 1) config.project = allowed[0];
  const full = `${repo.owner}/${repo.repo}`;
  if (!config.project) {
    return { kind: "invalid", errors: ["project: set the Google Cloud project whose logs this repo reads"] };
  }
  if (!allowed.includes(config.project)) {
    const may = allowed.length > 0 ? `it may read ${allowed.join(", ")}` : "it may read no project";
    return {
      kind: "refused",
      project: config.project,
      errors: [
        `project: ${full} may not read the logs of project ${config.project}: ${may} ` +
          "(the server's GARDENER_ALLOWED_PROJECTS decides); no log was read",
      ],
    };
  }
  return { kind: "ok", config };
}
