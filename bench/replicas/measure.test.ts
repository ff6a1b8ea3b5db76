import { describe, expect, it } from "@jest/globals";
import { encodeDashboardState } from "../../src/issue-body/dashboard-state.js";
import { encodeState } from "../../src/issue-body/marker.js";
import { issueState } from "../../test/fixtures/issue-state.js";
import { measure, summaryLine, type BenchRecord, type GitHubCall } from "./measure.js";

const T0 = Date.parse("2030-01-01T00:00:00Z");
const P = 120_000;
const repo = "org/a";

const dashboardWrite = (replica: number, at: number, lastPass: number, number = 1): GitHubCall => ({
  replica,
  at,
  method: "PATCH",
  path: `/repos/${repo}/issues/${number}`,
  body: {
    body: `# Dashboard\n${encodeDashboardState({ v: 1, lastPass: new Date(lastPass).toISOString() })}`,
  },
});

function record(over: Partial<BenchRecord>): BenchRecord {
  return {
    replicas: 2,
    repos: [repo],
    start: T0,
    periodMs: P,
    slots: 2,
    calls: [],
    reads: [],
    commands: [],
    issues: [],
    comments: [],
    expectedCount: 0,
    ...over,
  };
}

describe("bench:replicas figures", () => {
  it("one pass per slot, one after another: due 2, ran 2, nothing duplicated, overlapping or lost", () => {
    const rec = record({
      reads: [
        { replica: 0, at: T0 + 1000, repo },
        { replica: 1, at: T0 + P + 1000, repo },
      ],
      calls: [dashboardWrite(0, T0 + 3000, T0 + 900), dashboardWrite(1, T0 + P + 3000, T0 + P + 900)],
    });
    const f = measure(rec);
    expect([f.due, f.ran, f.duplicatePasses, f.overlapping, f.lostPasses]).toEqual([2, 2, 0, 0, 0]);
    expect(summaryLine(rec, f)).toBe(
      "replicas 2, repos 1, passes due 2, ran 2, duplicated 0, overlapping 0, lost 0, commands 0 answered 0",
    );
  });

  it("two replicas passing the same repo in one slot at once: a duplicate, an overlap, and a lost slot", () => {
    const rec = record({
      reads: [
        { replica: 0, at: T0 + 1000, repo },
        { replica: 1, at: T0 + 2000, repo },
      ],
      calls: [dashboardWrite(0, T0 + 5000, T0 + 900), dashboardWrite(1, T0 + 6000, T0 + 1900)],
    });
    const f = measure(rec);
    expect([f.ran, f.duplicatePasses, f.overlapping, f.lostPasses]).toEqual([1, 1, 1, 1]);
  });

  it("a pass killed before its dashboard ends at the kill; the survivor's pass recovers it", () => {
    const kill = { replica: 1, at: T0 + 4000, repo };
    const rec = record({
      slots: 1,
      kill,
      reads: [
        { replica: 1, at: T0 + 1000, repo },
        { replica: 0, at: T0 + 35_000, repo },
      ],
      calls: [dashboardWrite(0, T0 + 36_000, T0 + 34_000)],
    });
    const f = measure(rec);
    expect([f.ran, f.overlapping, f.recoveredMs]).toEqual([1, 0, 32_000]);
    expect(summaryLine(rec, f)).toMatch(/killed replica 2 mid-pass: recovered in 32\.0 s$/);
  });

  it("a command answered while a pass of its repo runs is an overlap; an unanswered one is lost", () => {
    const cmd = { repo, issue: 2, commentId: 77, source: "/garden status", status: 200 };
    const lost = { ...cmd, issue: 3, commentId: 78 };
    const rec = record({
      slots: 1,
      commands: [cmd, lost],
      reads: [{ replica: 0, at: T0 + 1000, repo }],
      calls: [
        {
          replica: 1,
          at: T0 + 1500,
          method: "POST",
          path: `/repos/${repo}/issues/comments/77/reactions`,
          body: {},
        },
        {
          replica: 1,
          at: T0 + 2500,
          method: "POST",
          path: `/repos/${repo}/issues/2/comments`,
          body: { body: "✅ `/garden status`" },
        },
        dashboardWrite(0, T0 + 3000, T0 + 900),
      ],
      comments: [{ repo, issue: 2, body: "✅ `/garden status` — ok", byBot: true }],
    });
    const f = measure(rec);
    expect([f.answered, f.overlapping]).toEqual([1, 1]);
    expect(summaryLine(rec, f)).toContain("lost 1, commands 2 answered 1");
  });

  it("counts a second issue for one fingerprint as a duplicate and checks each open issue's count", () => {
    const body = (total: number) => `x\n\n${encodeState(issueState({ total }))}\n`;
    const f = measure(
      record({
        expectedCount: 10,
        issues: [
          { repo, number: 2, body: body(10), state: "open", byBot: true },
          { repo, number: 3, body: body(10), state: "closed", byBot: true },
        ],
      }),
    );
    expect(f.duplicateIssues).toBe(1);
    expect([f.countsExact, f.countsChecked]).toEqual([1, 1]);
  });
});
