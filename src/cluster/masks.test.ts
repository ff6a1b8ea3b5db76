import { describe, it, expect, beforeAll } from "@jest/globals";
import { RE2JS } from "re2js";
import { MASK_RULES, maskWithRules, sqlMaskExpression } from "./masks.js";
import { maskLine } from "./mask.js";
import { maskHex, maskIdRuns, maskIdsAndNumbers, maskNumbers } from "./fast-masks.js";
import { digitKey } from "./line-cache.js";
import { cloudCorpusLines } from "../../test/cloud-corpus.js";

/** Random text rich in hex digits and `0x` (for the hex scanner). */
const randomHex = (count: number, seed: number) => randomLines(count, seed, "0x0X9a1fAgG_ -.", 40);

/** Seeded random strings over the characters the rules care about (mulberry32). */
function randomLines(
  count: number,
  seed: number,
  alphabet = "abfxyzABFXJan _-.,:;=/()[]{}\"'<>|@\u00a0\u00e9\t0123456789",
  length = 48,
): string[] {
  let t = seed >>> 0;
  const rand = () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let x = Math.imul(t ^ (t >>> 15), t | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  return Array.from({ length: count }, () =>
    Array.from(
      { length: Math.floor(rand() * length) },
      () => alphabet[Math.floor(rand() * alphabet.length)],
    ).join(""),
  );
}

/** Messages of the seeded Cloud-Logging-style corpus (scripts/gen-cloud-corpus.mjs), one line each. */
let corpus: string[] = [];
beforeAll(() => {
  corpus = cloudCorpusLines(3000, 7);
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

  it("the scanners equal their rules' regular expressions, and the whole masker equals the rules, on random text", () => {
    const rule = (name: string) => {
      const r = MASK_RULES.find((x) => x.name === name)!;
      return (text: string) => text.replace(new RegExp(r.pattern, "g"), r.replacement);
    };
    const [id, num, hex] = [rule("id"), rule("num"), rule("hex")];
    for (const line of [...randomLines(20_000, 12), ...randomHex(20_000, 14)]) {
      expect(maskIdRuns(line)).toBe(id(line));
      expect(maskNumbers(line)).toBe(num(line));
      expect(maskHex(line)).toBe(hex(line));
      expect(maskLine(line)).toBe(maskWithRules(line));
    }
  });

  it("masks hex, ids and numbers in one scan as the three rules do, and skips rules only when they cannot match", () => {
    // pieces of what the rules look for, placeholders written in the text included
    const pieces = [
      "<num>",
      "<time>",
      "<id>",
      " ",
      ",",
      ":",
      "-",
      ".",
      "=",
      "/",
      "\\",
      "@",
      '"',
      "'",
      "[",
      "]",
    ]
      .concat([
        "Jan",
        "Mon",
        "GET",
        "://",
        "id",
        "Id",
        "ids",
        "eyJ",
        "0x",
        "ff",
        "a1",
        "12",
        "7",
        "123",
        "T",
        "Z",
      ])
      .concat(["OK", "Not Found", "\v", "\u00a0", "_", "e9", "2026-11-28", "10.0.0.1", "C:\\x"]);
    let t = 17;
    const next = () => {
      t = (Math.imul(t, 1103515245) + 12345) >>> 0;
      return t / 4294967296;
    };
    const made = Array.from({ length: 30_000 }, () =>
      Array.from({ length: Math.floor(next() * 16) }, () => pieces[Math.floor(next() * pieces.length)]).join(
        "",
      ),
    );
    const rule = (name: string) => {
      const r = MASK_RULES.find((x) => x.name === name)!;
      return (text: string) => text.replace(new RegExp(r.pattern, "g"), r.replacement);
    };
    const [id, num, hex] = [rule("id"), rule("num"), rule("hex")];
    let fused = 0;
    for (const line of [...made, ...randomLines(20_000, 32, "0x0X9a1fAgG_ -.,:;a1", 40), ...corpus]) {
      const one = maskIdsAndNumbers(line);
      if (one !== undefined) {
        fused++;
        expect(one).toBe(num(id(hex(line))));
      } else expect(hex(line)).not.toBe(line);
      expect(maskLine(line)).toBe(maskWithRules(line));
      expect(maskLine(line, true)).toBe(maskWithRules(line, true));
    }
    expect(fused).toBeGreaterThan(40_000);
  });

  it("masks lines that differ only in digits 1-9 alike, so the line cache may take one for the other", () => {
    for (const line of [...corpus, ...randomLines(20_000, 13)]) {
      expect(maskLine(digitKey(line))).toBe(maskLine(line));
      expect(maskLine(line)).not.toMatch(/[0-9]/);
    }
  });

  it("masks alike in RE2 (the log store's SQL) and in JavaScript, whatever the whitespace", () => {
    // JavaScript's `\s` takes Unicode spaces and the vertical tab, RE2's does not: the rules spell it out
    const spaces = " \t\v\f\r\u00a0\u1680\u2003\u2028\u2029\u202f\u205f\u3000\ufeff";
    const lines = [
      ...randomLines(3_000, 21, `ab1 "'=:[],/x-Id.GET${spaces}`, 40),
      ...corpus.slice(0, 500).map((l, i) => l.replace(/ /g, spaces[i % spaces.length])),
      'user_id\v=\vu12 "a\u00a0b" GET\u00a0/x/1 200\u00a0OK [a,\vb] Jan\u00a01 {"k":\u00a0"v"}',
    ];
    const re2 = MASK_RULES.map((r) => ({
      rule: r,
      regex: RE2JS.compile(r.pattern, r.ignoreCase ? RE2JS.CASE_INSENSITIVE : 0),
    }));
    for (const line of lines) {
      let viaRe2 = line;
      for (const { rule, regex } of re2) {
        const viaJs = viaRe2.replace(new RegExp(rule.pattern, "g"), rule.replacement);
        viaRe2 = regex.matcher(viaRe2).replaceAll(rule.replacement);
        expect([rule.name, viaRe2]).toEqual([rule.name, viaJs]);
      }
      expect(viaRe2).toBe(maskWithRules(line));
      expect(maskLine(line)).toBe(viaRe2);
    }
    expect(maskLine('say "a\u00a0b" to x1')).toBe('say "a\u00a0b" to <id>');
    expect(maskLine('say "a\vb" to x1')).toBe('say "<text>" to <id>');
    for (const rule of MASK_RULES) expect(rule.pattern).not.toContain("\\s");
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
