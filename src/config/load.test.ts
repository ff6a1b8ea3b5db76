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
        expect.stringMatching(/^triage\.rules\.0\.match\.message: not a valid regular expression for RE2/),
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

  it("checks patterns as RE2: nested quantifiers are fine, lookaround is refused with the reason", () => {
    const rule = (pattern: string) =>
      parseConfigYaml(
        `triage:\n  rules:\n    - name: r\n      match: { message: '${pattern}' }\n      set: { priority: P1, category: c }\n`,
      );
    expect(rule("(a+)+$").ok).toBe(true);
    expect(rule("(?i)payment (failed|declined)").ok).toBe(true);
    const lookahead = rule("token(?=[0-9])");
    expect(lookahead.ok).toBe(false);
    if (!lookahead.ok) {
      expect(lookahead.errors[0]).toMatch(
        /^triage\.rules\.0\.match\.message: not a valid regular expression for RE2 .*: invalid or unsupported Perl syntax: `\(\?=`$/,
      );
    }
    const redaction = parseConfigYaml("redaction:\n  extra:\n    - name: x\n      pattern: '(a)\\1'\n");
    expect(redaction.ok).toBe(false);
  });

  it("holds labels to GitHub's limits: 50 characters, no comma", () => {
    const long = "x".repeat(51);
    const result = parseConfigYaml(
      `labels:\n  bot: ${long}\n  ignored: "a,b"\n  extra: [ok, "${"y".repeat(60)}"]\n`,
    );
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.errors).toEqual([
        "labels.bot: a label has at most 50 characters",
        "labels.ignored: a label cannot contain a comma",
        "labels.extra.1: a label has at most 50 characters",
      ]);
    }
    expect(parseConfigYaml(`labels:\n  bot: ${"x".repeat(50)}\n`).ok).toBe(true);
  });
});

describe("config problem locations", () => {
  it("points each schema problem at its line: a bad value, an unknown key, a nested rule field", () => {
    const text = [
      "project: acme",
      "severity: LOUD",
      "resource:",
      "  type: cloud_run_revision",
      "  servcies: [api]",
      "triage:",
      "  rules:",
      "    - name: x",
      "      match: { message: '(' }",
      "      set: { priority: P1, category: c }",
      "",
    ].join("\n");
    const result = parseConfigYaml(text, "cfg.yml");
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const at = (prefix: string) => result.problems.find((p) => p.text.startsWith(prefix));
    expect(at("severity:")).toMatchObject({ line: 2, col: 11 });
    expect(at("resource:")).toMatchObject({ line: 5, col: 13 });
    expect(at("triage.rules.0.match.message:")).toMatchObject({ line: 9, col: 25 });
    expect(result.errors).toEqual(result.problems.map((p) => p.text));
  });

  it("points a missing field at its parent, and a YAML syntax error at the error", () => {
    const missing = parseConfigYaml(
      "triage:\n  rules:\n    - match: { message: x }\n      set: { priority: P1 }\n",
    );
    expect(missing.ok).toBe(false);
    if (!missing.ok)
      expect(missing.problems.find((p) => p.text.startsWith("triage.rules.0.name"))?.line).toBe(3);
    const syntax = parseConfigYaml("project: a\nseverity: [WARNING\n", "cfg.yml");
    expect(syntax.ok).toBe(false);
    if (!syntax.ok) expect(syntax.problems[0]!.line).toBeGreaterThanOrEqual(2);
  });

  it("keeps entries as the default source and checks a log-analytics one before any query", () => {
    const config = defaultConfig();
    expect(config.source).toBe("entries");
    expect(config.logAnalytics.maximumBytesBilled).toBe(10 * 1024 ** 3);
    expect(config.requestsPerMinute).toBe(50);
    const ok = parseConfigYaml(
      "project: acme-prod\nsource: log-analytics\nlogAnalytics:\n  view: acme-prod.gardener._AllLogs\n",
    );
    expect(ok.ok).toBe(true);

    const errors = (yaml: string) => {
      const result = parseConfigYaml(yaml);
      return result.ok ? [] : result.errors;
    };
    expect(errors("project: acme-prod\nsource: log-analytics\n")).toEqual([
      "logAnalytics.view: source: log-analytics needs the linked dataset's view, PROJECT.LINK_ID._AllLogs",
    ]);
    expect(
      errors("project: acme-prod\nsource: log-analytics\nlogAnalytics: { view: other-proj.link._AllLogs }\n"),
    ).toEqual(["logAnalytics.view: the view must be in project acme-prod (the logs this repo may read)"]);
    expect(
      errors("source: log-analytics\nlogAnalytics: { view: 'acme-prod.link._AllLogs`; DROP' }\n"),
    ).toEqual(["logAnalytics.view: expected PROJECT.LINK_ID._AllLogs (the linked dataset's view)"]);
    expect(
      errors(
        "project: acme-prod\nsource: log-analytics\nfilter: 'jsonPayload.x=1'\nlogAnalytics: { view: acme-prod.l._AllLogs }\n",
      ),
    ).toEqual([expect.stringMatching(/^filter: a Cloud Logging filter cannot run in Log Analytics/)]);
    expect(errors("source: bigquery\n")).toEqual([expect.stringMatching(/^source: /)]);
  });
});
