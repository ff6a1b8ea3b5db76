import { isNode, LineCounter, parseDocument, type Document } from "yaml";
import type { z } from "zod";
import { configSchema, type GardenerConfig } from "./schema.js";

/** One config problem; `line`/`col` (1-based) point into the YAML text when it came from one. */
export interface ConfigProblem {
  /** `path: message`, or `file:line:col: message` for YAML syntax errors. */
  text: string;
  line?: number;
  col?: number;
}

export type ConfigResult =
  { ok: true; config: GardenerConfig } | { ok: false; errors: string[]; problems: ConfigProblem[] };

function formatIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.length > 0 ? issue.path.join(".") : "(top level)";
  return `${where}: ${issue.message}`;
}

function failed(problems: ConfigProblem[]): ConfigResult {
  return { ok: false, errors: problems.map((p) => p.text), problems };
}

function validate(input: unknown, locate: (issue: z.core.$ZodIssue) => Partial<ConfigProblem>): ConfigResult {
  const result = configSchema.safeParse(input ?? {});
  if (result.success) return { ok: true, config: result.data };
  return failed(result.error.issues.map((issue) => ({ text: formatIssue(issue), ...locate(issue) })));
}

/** Validates an already-parsed config object; every problem is reported at once as `path: message`. */
export function parseConfig(input: unknown): ConfigResult {
  return validate(input, () => ({}));
}

/** The deepest node of `path` that exists (an unknown key points at itself, a missing one at its parent). */
function nodeAt(doc: Document, path: PropertyKey[]): { range?: [number, number, number] | null } | undefined {
  for (let depth = path.length; depth > 0; depth--) {
    const node = doc.getIn(path.slice(0, depth) as Array<string | number>, true);
    if (isNode(node) && node.range) return node;
  }
  return isNode(doc.contents) ? doc.contents : undefined;
}

/** Parses `.github/log-gardener.yml` text; every problem carries its line and column where there is one. */
export function parseConfigYaml(text: string, source = ".github/log-gardener.yml"): ConfigResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: true, lineCounter });
  if (doc.errors.length > 0) {
    return failed(
      doc.errors.map((e) => {
        const at = e.linePos?.[0];
        return {
          text: `${source}${at ? `:${at.line}:${at.col}` : ""}: ${e.message.split("\n")[0]}`,
          ...(at ? { line: at.line, col: at.col } : {}),
        };
      }),
    );
  }
  return validate(doc.toJS(), (issue) => {
    const keys = issue.code === "unrecognized_keys" ? issue.keys.slice(0, 1) : [];
    const offset = nodeAt(doc, [...issue.path, ...keys])?.range?.[0];
    return offset === undefined ? {} : lineCounter.linePos(offset);
  });
}

export function defaultConfig(): GardenerConfig {
  return configSchema.parse({});
}
