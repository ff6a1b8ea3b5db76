import { readFile } from "node:fs/promises";
import { defaultConfig, parseConfigYaml } from "../config/load.js";
import type { GardenerConfig } from "../config/schema.js";
import { UsageError } from "./errors.js";

/** Loads and validates a config file; every problem is listed in one UsageError. */
export async function loadConfigFile(path?: string): Promise<GardenerConfig> {
  if (!path) return defaultConfig();
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read config ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  const result = parseConfigYaml(text, path);
  if (!result.ok) throw new UsageError(`invalid config ${path}:\n  ${result.errors.join("\n  ")}`);
  return result.config;
}
