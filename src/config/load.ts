import { parseDocument } from "yaml";
import type { z } from "zod";
import { configSchema, type GardenerConfig } from "./schema.js";

export type ConfigResult = { ok: true; config: GardenerConfig } | { ok: false; errors: string[] };

function formatIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.length > 0 ? issue.path.join(".") : "(top level)";
  return `${where}: ${issue.message}`;
}

/** Validates an already-parsed config object; every problem is reported at once as `path: message`. */
export function parseConfig(input: unknown): ConfigResult {
  const result = configSchema.safeParse(input ?? {});
  if (result.success) return { ok: true, config: result.data };
  return { ok: false, errors: result.error.issues.map(formatIssue) };
}

/** Parses `.github/log-gardener.yml` text, reporting YAML syntax errors with their line and column. */
export function parseConfigYaml(text: string, source = ".github/log-gardener.yml"): ConfigResult {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((e) => {
        const at = e.linePos?.[0];
        return `${source}${at ? `:${at.line}:${at.col}` : ""}: ${e.message.split("\n")[0]}`;
      }),
    };
  }
  return parseConfig(doc.toJS());
}

export function defaultConfig(): GardenerConfig {
  return configSchema.parse({});
}
