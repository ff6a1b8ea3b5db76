import { describe, expect, it } from "@jest/globals";
import { MalformedEntryError, normalizeEntry, parseSeverity } from "./normalize.js";

const base = { timestamp: "2026-11-23T04:00:07.869Z", resource: { type: "cloud_run_revision", labels: {} } };

describe("normalizeEntry", () => {
  it("takes the message from textPayload", () => {
    const entry = normalizeEntry({ ...base, severity: "WARNING", textPayload: "disk almost full" });
    expect(entry.message).toBe("disk almost full");
    expect(entry.severity).toBe("WARNING");
    expect(entry.timestamp.toISOString()).toBe("2026-11-23T04:00:07.869Z");
  });

  it("takes the message from jsonPayload.message, then msg, and keeps the payload", () => {
    expect(normalizeEntry({ ...base, jsonPayload: { message: "a", msg: "b" } }).message).toBe("a");
    const entry = normalizeEntry({ ...base, jsonPayload: { msg: "b", user: 7 } });
    expect(entry.message).toBe("b");
    expect(entry.jsonPayload).toEqual({ msg: "b", user: 7 });
  });

  it("falls back to a compact rendering of a payload without a message field", () => {
    expect(normalizeEntry({ ...base, jsonPayload: { status: 503, path: "/x" } }).message).toBe(
      '{"status":503,"path":"/x"}',
    );
  });

  it("finds the service, source location and logger of a Cloud Run entry", () => {
    const entry = normalizeEntry({
      ...base,
      resource: { type: "cloud_run_revision", labels: { service_name: "api", revision_name: "api-001" } },
      jsonPayload: { message: "x", logger: "app.auth" },
      sourceLocation: { file: "auth.py", line: "42", function: "login" },
      insertId: "abc",
      trace: "projects/p/traces/0123",
    });
    expect(entry.service).toBe("api");
    expect(entry.sourceLocation).toEqual({ file: "auth.py", line: 42, function: "login" });
    expect(entry.logger).toBe("app.auth");
    expect(entry.insertId).toBe("abc");
  });

  it("reads Python logging fields when there is no sourceLocation", () => {
    const entry = normalizeEntry({
      ...base,
      jsonPayload: { message: "x", module: "billing", funcName: "charge", lineno: 12, name: "billing.core" },
    });
    expect(entry.sourceLocation).toEqual({ module: "billing", function: "charge", line: 12 });
    expect(entry.logger).toBe("billing.core");
  });

  it("accepts gRPC-style timestamps and numeric severities", () => {
    const entry = normalizeEntry({
      timestamp: { seconds: "1795000000", nanos: 5e8 },
      severity: 500,
      textPayload: "x",
    });
    expect(entry.timestamp.toISOString()).toBe("2026-11-18T11:06:40.500Z");
    expect(entry.severity).toBe("ERROR");
    expect(entry.receiveTimestamp).toBeUndefined();
    const late = normalizeEntry({
      timestamp: "2026-11-18T11:00:00Z",
      receiveTimestamp: "2026-11-18T11:30:00Z",
      textPayload: "x",
    });
    expect(late.receiveTimestamp?.toISOString()).toBe("2026-11-18T11:30:00.000Z");
  });

  it.each([
    [null, "not a JSON object"],
    [{ ...base }, "no textPayload"],
    [{ textPayload: "x", timestamp: "yesterday" }, "invalid or missing timestamp"],
  ])("rejects %j with a reason", (raw, reason) => {
    expect(() => normalizeEntry(raw)).toThrow(MalformedEntryError);
    expect(() => normalizeEntry(raw)).toThrow(reason);
  });
});

describe("parseSeverity", () => {
  it.each([
    ["warn", "WARNING"],
    ["Fatal", "CRITICAL"],
    [600, "CRITICAL"],
    ["400", "WARNING"],
    ["nonsense", undefined],
  ])("%p -> %p", (input, expected) => {
    expect(parseSeverity(input)).toBe(expected);
  });
});
