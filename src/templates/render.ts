import { readFileSync } from "node:fs";
import Handlebars from "handlebars";
import { assetPath } from "../assets.js";
import { codeFence, inlineCode, neutralize } from "../safety/markdown.js";

const SEVERITY_MARKERS: Record<string, string> = {
  EMERGENCY: "🔴",
  ALERT: "🔴",
  CRITICAL: "🔴",
  ERROR: "🟠",
  WARNING: "🟡",
  NOTICE: "🔵",
  INFO: "🔵",
  DEBUG: "⚪",
  DEFAULT: "⚪",
};

// Markdown, not HTML: escaping is done where it is needed by the helpers below, never by Handlebars itself.
const hbs = Handlebars.create();
hbs.registerHelper("safe", (text: unknown) => neutralize(String(text ?? "")));
hbs.registerHelper("fence", (text: unknown, info: unknown) =>
  codeFence(String(text ?? ""), typeof info === "string" ? info : ""),
);
hbs.registerHelper("inlineCode", (text: unknown) => inlineCode(String(text ?? "")));
hbs.registerHelper("json", (value: unknown) => JSON.stringify(value, null, 2));
hbs.registerHelper("severityMarker", (severity: unknown) => SEVERITY_MARKERS[String(severity)] ?? "⚪");
hbs.registerHelper("eq", (a: unknown, b: unknown) => a === b);
// A count that may be short (a capped read) is shown as a lower bound: `≥ 10,000`.
hbs.registerHelper("occurrences", (n: unknown, atLeast: unknown) =>
  atLeast === true ? `≥ ${Number(n).toLocaleString("en-US")}` : String(n ?? 0),
);
hbs.registerHelper("date", (value: unknown) =>
  value ? new Date(value as string).toISOString().replace(".000Z", "Z") : "—",
);

const UNITS = ["bytes", "KiB", "MiB", "GiB", "TiB"];
hbs.registerHelper("bytes", (value: unknown) => {
  let n = Number(value ?? 0);
  let unit = 0;
  while (n >= 1024 && unit < UNITS.length - 1) {
    n /= 1024;
    unit++;
  }
  return unit === 0 ? `${n} bytes` : `${n.toFixed(n < 10 ? 1 : 0)} ${UNITS[unit]}`;
});

const compiled = new Map<string, Handlebars.TemplateDelegate>();

/** Renders `templates/<name>.hbs` with the given data. */
export function render(name: string, data: unknown): string {
  let template = compiled.get(name);
  if (!template) {
    const source = readFileSync(assetPath(`templates/${name}.hbs`), "utf8");
    template = hbs.compile(source, { noEscape: true, strict: false });
    compiled.set(name, template);
  }
  return template(data);
}
