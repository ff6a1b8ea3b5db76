import { describe, expect, it } from "@jest/globals";
import { readFileSync } from "node:fs";
import { assetPath } from "../assets.js";
import { configOptionsTable } from "./docs.js";

describe("README options table", () => {
  it("is the one generated from the config schema (run npm run docs:config after changing the schema)", () => {
    const readme = readFileSync(assetPath("README.md"), "utf8");
    const start = readme.indexOf("<!-- config-options:start -->");
    const end = readme.indexOf("<!-- config-options:end -->");
    expect(start).toBeGreaterThan(0);
    expect(readme.slice(start + "<!-- config-options:start -->".length, end).trim()).toBe(
      configOptionsTable(),
    );
  });

  it("lists every top-level key with its default", () => {
    const table = configOptionsTable();
    for (const key of [
      "project",
      "severity",
      "window",
      "schedule",
      "thresholds.minPriority",
      "regression.policy",
    ]) {
      expect(table).toContain(`| \`${key}\` |`);
    }
    expect(table).toContain("| `severity` | `DEFAULT` \\| `DEBUG`");
  });
});
