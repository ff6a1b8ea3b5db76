import { readFile } from "node:fs/promises";
import { defaultConfig, parseConfigYaml, type ConfigProblem } from "../config/load.js";
import type { GardenerConfig } from "../config/schema.js";
import { UsageError } from "./errors.js";

/** An invalid config file: every problem, with its line where there is one (the Action annotates them). */
export class ConfigError extends UsageError {
  constructor(
    readonly file: string,
    readonly problems: ConfigProblem[],
  ) {
    super(`invalid config ${file}:\n  ${problems.map((p) => p.text).join("\n  ")}`);
  }
}

/** Loads and validates a config file; every problem is listed in one ConfigError. */
export async function loadConfigFile(path?: string): Promise<GardenerConfig> {
  if (!path) return defaultConfig();
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read config ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  const result = parseConfigYaml(text, path);
  if (!result.ok) throw new ConfigError(path, result.problems);
  return result.config;
}
