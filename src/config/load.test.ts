import { describe, expect, it } from "@jest/globals";
import { defaultConfig, parseConfigYaml } from "./load.js";
import { nextRun } from "./schedule.js";

describe("config", () => {
  it("fills every default from the schema", () => {
    const config = defaultConfig();
    expect(config.severity).toBe("WARNING");
    expect(config.window).toBe("6h");
    expect(config.checklist.steps).toHaveLength(7);
    expect(config.checklist.steps[0].name).toBe("Audit");
    expect(config.regression.policy).toBe("reopen");
  });

  it("reports every error at once as path: message", () => {
    const result = parseConfigYaml(
      "severity: LOUD\nwindow: 6 hours\nunknown: 1\nthresholds:\n  minPriority: P9\ntriage:\n  rules:\n    - name: x\n      match: { message: '(' }\n      set: { priority: P1, category: c }\n",
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^severity: /),
        "window: expected a duration such as 30m, 6h or 7d",
        expect.stringMatching(/^thresholds\.minPriority: /),
        "triage.rules.0.match.message: not a valid regular expression",
        expect.stringMatching(/^\(top level\): Unrecognized key: "unknown"/),
      ]),
    );
    expect(result.errors).toHaveLength(5);
  });

  it("reports a YAML syntax error with its line", () => {
    const result = parseConfigYaml("severity: [WARNING\n", "cfg.yml");
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]).toMatch(/^cfg\.yml:\d+:\d+: /);
  });

  it("accepts named, interval and cron schedules and rejects others", () => {
    expect(parseConfigYaml("schedule: every 30m").ok).toBe(true);
    expect(parseConfigYaml("schedule: '15 */2 * * *'").ok).toBe(true);
    expect(parseConfigYaml("schedule: sometimes").ok).toBe(false);
    const last = new Date("2026-11-23T10:20:00Z");
    expect(nextRun("hourly", last).toISOString()).toBe("2026-11-23T11:20:00.000Z");
    expect(nextRun("15 */2 * * *", last).toISOString()).toBe("2026-11-23T12:15:00.000Z");
  });

  it("refuses rule patterns with nested quantifiers, which could stall every installation", () => {
    const result = parseConfigYaml(
      "triage:\n  rules:\n    - name: slow\n      match: { message: '(a+)+$' }\n      set: { priority: P1, category: c }\n",
    );
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]).toMatch(/^triage\.rules\.0\.match\.message: nested quantifiers/);
    expect(
      parseConfigYaml(
        "triage:\n  rules:\n    - name: fine\n      match: { message: '(ab)+ (c|d)*' }\n      set: { priority: P1, category: c }\n",
      ).ok,
    ).toBe(true);
  });
});
