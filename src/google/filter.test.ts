import { describe, it, expect } from "@jest/globals";
import {
  buildFilter,
  cleanExtraFilter,
  FilterError,
  quote,
  serviceLabelFor,
  type LogQuery,
} from "./filter.js";

const since = new Date("2026-11-22T04:00:00Z");
const until = new Date("2026-11-22T10:00:00Z");
const base: LogQuery = { projectId: "p1", severityFloor: "WARNING", since, until };
const WINDOW = 'timestamp>="2026-11-22T04:00:00.000Z" AND timestamp<"2026-11-22T10:00:00.000Z"';

describe("buildFilter", () => {
  it("builds resource, services, severity, window and extra filter in that order", () => {
    expect(
      buildFilter({
        ...base,
        resourceType: "cloud_run_revision",
        services: ["api", "worker"],
        extraFilter: '  jsonPayload.component="auth"  ',
      }),
    ).toBe(
      'resource.type="cloud_run_revision" AND ' +
        '(resource.labels.service_name="api" OR resource.labels.service_name="worker") AND ' +
        `severity>=WARNING AND ${WINDOW} AND (jsonPayload.component="auth")`,
    );
  });

  it("has only severity and window when nothing else is configured", () => {
    expect(buildFilter({ ...base, severityFloor: "ERROR", services: [], extraFilter: "   " })).toBe(
      `severity>=ERROR AND ${WINDOW}`,
    );
  });

  it.each([
    ["cloud_run_revision", "service_name"],
    ["gae_app", "module_id"],
    ["cloud_function", "function_name"],
    ["k8s_container", "container_name"],
    ["gce_instance", "service_name"],
    [undefined, "service_name"],
  ])("names services of %s by resource.labels.%s", (resourceType, label) => {
    expect(serviceLabelFor(resourceType)).toBe(label);
    expect(buildFilter({ ...base, resourceType, services: ["svc"] })).toContain(
      `(resource.labels.${label}="svc")`,
    );
  });

  it("escapes quotes and backslashes so a value can't break out of its string", () => {
    const hostile = 'a" OR severity>=DEBUG OR x="\\';
    const filter = buildFilter({ ...base, services: [hostile] });
    expect(filter).toContain('(resource.labels.service_name="a\\" OR severity>=DEBUG OR x=\\"\\\\")');
    expect(quote('x"y\\z\nw')).toBe('"x\\"y\\\\z\\nw"');
    // The quoted value is one string literal: no unescaped quote inside it.
    const literal = quote(hostile);
    expect(literal.slice(1, -1).replace(/\\./g, "")).not.toContain('"');
  });

  it("rejects an extra filter that would escape its parentheses", () => {
    expect(() => buildFilter({ ...base, extraFilter: 'a="1") OR (b="2"' })).toThrow(FilterError);
    expect(() => buildFilter({ ...base, extraFilter: '(a="1"' })).toThrow(/unbalanced/);
    expect(() => buildFilter({ ...base, extraFilter: 'a="1' })).toThrow(/unterminated/);
    // Parentheses inside strings don't count, escaped quotes don't end strings.
    expect(cleanExtraFilter('textPayload:"(x \\" )"')).toBe('textPayload:"(x \\" )"');
  });

  it("drops -- comments, which would otherwise swallow the closing parenthesis", () => {
    expect(buildFilter({ ...base, extraFilter: 'a="1" -- only a\nb="x--y"' })).toBe(
      `severity>=WARNING AND ${WINDOW} AND (a="1" \nb="x--y")`,
    );
  });

  it("rejects invalid and empty time windows and unknown severities", () => {
    expect(() => buildFilter({ ...base, since: new Date("nope") })).toThrow(/invalid start time/);
    expect(() => buildFilter({ ...base, since: until, until: since })).toThrow(/empty time window/);
    expect(() => buildFilter({ ...base, severityFloor: "LOUD" as never })).toThrow(/unknown severity/);
  });
});
