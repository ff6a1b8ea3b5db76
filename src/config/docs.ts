import { z } from "zod";
import { configSchema } from "./schema.js";

type JsonSchema = {
  type?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
};

function typeOf(s: JsonSchema): string {
  if (s.enum) return s.enum.map((v) => `\`${v}\``).join(" \\| ");
  if (s.type === "array") return `list of ${s.items ? typeOf(s.items) : "values"}`;
  return s.type ?? "value";
}

function defaultOf(s: JsonSchema): string {
  if (s.default === undefined) return "—";
  if (
    s.type === "object" ||
    (Array.isArray(s.default) && s.default.length > 0 && typeof s.default[0] === "object")
  ) {
    return "see below";
  }
  return `\`${JSON.stringify(s.default)}\``;
}

function rows(schema: JsonSchema, prefix: string, out: string[]): void {
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    const name = `${prefix}${key}`;
    if (prop.type === "object" && prop.properties) {
      rows(prop, `${name}.`, out);
      continue;
    }
    const description = (prop.description ?? "").replace(/\|/g, "\\|");
    out.push(`| \`${name}\` | ${typeOf(prop)} | ${defaultOf(prop)} | ${description} |`);
  }
}

/** The README's options table, generated from the schema so that the two cannot drift apart. */
export function configOptionsTable(): string {
  const schema = z.toJSONSchema(configSchema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  const out = ["| Option | Type | Default | Meaning |", "|---|---|---|---|"];
  rows(schema, "", out);
  return out.join("\n");
}
