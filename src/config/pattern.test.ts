import { describe, expect, it } from "@jest/globals";
import { createRedactor } from "../safety/redact.js";
import { createTriage } from "../triage/triage.js";
import { defaultConfig } from "./load.js";
import { compilePattern, matchSpans, PatternError } from "./pattern.js";

// `(\w|\d)+#` backtracks exponentially in a backtracking engine: 4.5 s on 28 characters in V8, and
// each further character doubles it. On RE2 these tests finish at once; on a backtracking engine they
// would not finish before jest's timeout.
const SLOW = "(\\w|\\d)+#";
const TOKEN = "a1".repeat(30);

describe("user patterns on RE2", () => {
  it("a redaction pattern that would backtrack exponentially runs in linear time", () => {
    const redactor = createRedactor([{ name: "hash-tag", pattern: SLOW }]);
    expect(redactor.redactText(`value ${TOKEN} end`)).toBe(`value ${TOKEN} end`);
    expect(redactor.redactText(`value ${TOKEN}# end`)).toBe("value [REDACTED:hash-tag] end");
  });

  it("a triage rule that would backtrack exponentially runs in linear time", () => {
    const config = defaultConfig();
    config.triage.rules = [
      { name: "slow", match: { message: SLOW }, set: { priority: "P0", category: "x" } },
    ];
    const triage = createTriage(config);
    const cluster = {
      template: TOKEN,
      samples: [{ message: TOKEN }],
      maxSeverity: "ERROR",
      count: 1,
    } as unknown as Parameters<typeof triage>[0];
    expect(triage(cluster).reason).not.toMatch(/"slow"/);
    expect(triage({ ...cluster, template: `${TOKEN}#` }).reason).toMatch(/"slow"/);
  });

  it("hides only the secret group, case-insensitively with (?i)", () => {
    const re = compilePattern("(?i)pin[=: ](?<secret>\\d{4})");
    expect([...matchSpans(re, "PIN=1234 and pin 9876")]).toEqual([
      { start: 0, end: 8, secret: [4, 8] },
      { start: 13, end: 21, secret: [17, 21] },
    ]);
    const redactor = createRedactor([{ name: "pin", pattern: "(?i)pin[=: ](?<secret>\\d{4})" }]);
    expect(redactor.redactText("PIN=1234")).toBe("PIN=[REDACTED:pin]");
  });

  it("refuses what RE2 cannot run, with its reason", () => {
    expect(() => compilePattern("(?<=a)b")).toThrow(PatternError);
    expect(() => compilePattern("(a)\\1")).toThrow(/invalid escape sequence/);
  });
});
