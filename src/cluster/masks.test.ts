import { describe, it, expect, beforeAll } from "@jest/globals";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MASK_RULES, maskWithRules, sqlMaskExpression } from "./masks.js";
import { maskLine } from "./mask.js";

/** Messages of the seeded Cloud-Logging-style corpus (scripts/gen-cloud-corpus.mjs), one line each. */
let corpus: string[] = [];
beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), "lg-masks-"));
  execFileSync(process.execPath, ["scripts/gen-cloud-corpus.mjs", dir, "--entries", "3000", "--seed", "7"]);
  corpus = readFileSync(join(dir, "entries.jsonl"), "utf8")
    .trim()
    .split("\n")
    .flatMap((line) => {
      const e = JSON.parse(line) as { textPayload?: string; jsonPayload?: { message?: string } };
      const text = e.textPayload ?? e.jsonPayload?.message ?? JSON.stringify(e.jsonPayload);
      return text.split("\n");
    });
});

describe("the one source of masks", () => {
  it("the fast masker equals applying every rule in order, on a corpus and on its own output", () => {
    expect(corpus.length).toBeGreaterThan(3000);
    for (const line of corpus) {
      const masked = maskWithRules(line);
      expect(maskLine(line)).toBe(masked);
      expect(maskLine(masked, true)).toBe(maskWithRules(masked, true));
    }
  });

  it("writes only RE2 syntax: no look-around, no back-references", () => {
    for (const rule of MASK_RULES) {
      expect(rule.pattern).not.toMatch(/\(\?[=!<]/);
      expect(rule.pattern).not.toMatch(/\\[1-9]/);
      expect(() => new RegExp(rule.pattern)).not.toThrow();
    }
  });

  it("generates SQL that applies the same patterns in the same order", () => {
    const sql = sqlMaskExpression("JSON_VALUE(json_payload.message)");
    expect(sql.startsWith("REGEXP_REPLACE(".repeat(MASK_RULES.length) + "JSON_VALUE(")).toBe(true);
    // read the string literals back: pattern, replacement, pattern, replacement … innermost first
    const literals = [...sql.matchAll(/'((?:[^'\\]|\\.)*)'/g)].map((m) =>
      m[1].replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c)),
    );
    expect(literals).toEqual(
      MASK_RULES.flatMap((r) => [
        (r.ignoreCase ? "(?i)" : "") + r.pattern,
        r.replacement.replace(/\$(\d)/g, "\\$1"),
      ]),
    );
  });
});
