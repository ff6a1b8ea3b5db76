import { describe, expect, it } from "@jest/globals";
import { decodeDashboardState, encodeDashboardState } from "./dashboard-state.js";
import { mergeIssueBody, mergeState, parseIssueBody, stateBase, withState } from "./document.js";
import { encodeState, sectionEnd, sectionStart } from "./marker.js";
import { validateState } from "./state.js";
import { issueState } from "../../test/fixtures/issue-state.js";

const state = issueState;
const section = (name: string, inner: string) => `${sectionStart(name)}\n${inner}\n${sectionEnd(name)}`;
const checklist = (ticked: boolean) =>
  section(
    "checklist",
    `**Status: ACTIVE – not started**\n\n- [${ticked ? "x" : " "}] <!-- log-gardener:step=0 --> **0. Audit**`,
  );
const body = (s = state(), ticked = false) =>
  `${section("summary", "old summary")}\n\nhuman notes\n\n${checklist(ticked)}\n\n${encodeState(s)}\n`;

describe("issue document", () => {
  it("parses a healthy body: state, ticks, no damage", () => {
    const doc = parseIssueBody(body(state(), true));
    expect(doc).toMatchObject({
      ours: true,
      damage: [],
      layoutDamaged: false,
      fingerprints: ["aaaaaaaaaaaa"],
    });
    expect(doc.state?.total).toBe(19);
    expect(doc.ticks[0]).toBe(true);
    expect(parseIssueBody("just a human issue")).toMatchObject({ ours: false, damage: [] });
    expect(parseIssueBody("just a human issue").state).toBeUndefined();
  });

  it("merges fresh sections in place, keeping human text and ticks, with one state marker", () => {
    const rendered = `${section("summary", "new summary")}\n\n${checklist(false)}\n\n${encodeState(state({ total: 25 }))}\n`;
    const merged = mergeIssueBody(parseIssueBody(body(state(), true)), rendered, state({ total: 25 }));
    expect(merged).toContain("new summary");
    expect(merged).not.toContain("old summary");
    expect(merged.indexOf("human notes")).toBeGreaterThan(merged.indexOf("new summary"));
    expect(merged).toContain("- [x] <!-- log-gardener:step=0 -->");
    expect(merged).toContain("**Status: ACTIVE – step 0 complete**");
    expect(merged.match(/log-gardener:state/g)).toHaveLength(1);
    expect(parseIssueBody(merged).state?.total).toBe(25);
  });

  it("rebuilds a damaged layout once: orphan markers and stray step lines go, human text stays", () => {
    const broken = `human first\n\nleft of the summary\n${sectionEnd("summary")}\n\n${checklist(true)}\n\n${encodeState(state())}\n`;
    const doc = parseIssueBody(broken);
    expect(doc.layoutDamaged).toBe(true);
    expect(doc.damage).toEqual(["the summary section has an end marker but no begin marker"]);
    const rendered = `${section("summary", "fresh")}\n\n${checklist(false)}\n\n${encodeState(state())}\n`;
    const merged = mergeIssueBody(doc, rendered, state());
    expect(parseIssueBody(merged)).toMatchObject({ layoutDamaged: false, damage: [] });
    expect(merged.startsWith("human first")).toBe(true);
    expect(merged.match(/step=0/g)).toHaveLength(1);
    expect(merged).toContain("- [x] <!-- log-gardener:step=0 -->");
  });

  it("of two markers of one pattern keeps the one counted furthest; of two patterns, none", () => {
    const older = encodeState(state({ total: 3, countedUpTo: "2026-11-22T05:00:00Z" }));
    const doc = parseIssueBody(`${older}\n${body()}`);
    expect(doc.state?.total).toBe(19);
    expect(doc.damage).toEqual(["2 state markers (one was pasted or left behind)"]);
    const mixed = parseIssueBody(`${encodeState(state({ fp: "bbbbbbbbbbbb" }))}\n${body()}`);
    expect(mixed.state).toBeUndefined();
    expect(mixed.fingerprints.sort()).toEqual(["aaaaaaaaaaaa", "bbbbbbbbbbbb"]);
  });

  it("validates the state: repairs what counting does not rest on, refuses what it does", () => {
    const repaired = validateState({
      ...state(),
      lastSeen: "yesterday",
      history: [
        { at: "x", count: 1 },
        { at: "2026-11-23T10:00:00Z", count: 2 },
      ],
    });
    expect(repaired).toMatchObject({
      ok: true,
      state: { lastSeen: "2026-11-23T10:00:00.000Z", history: [{ count: 2 }] },
    });
    if (repaired.ok)
      expect(repaired.repairs).toEqual([
        expect.stringMatching(/^lastSeen: /),
        expect.stringMatching(/^history\.0\.at: /),
      ]);
    expect(validateState({ ...state(), total: "many" })).toEqual({
      ok: false,
      reason: expect.stringMatching(/^state marker is invalid: total: /),
    });
    expect(validateState({ ...state(), countedUpTo: "soon" }).ok).toBe(false);
  });

  it("reads the old per-fingerprint cursors as one group per shared cursor", () => {
    const cursor = { countedUpTo: "2026-11-23T09:00:00.000Z", recent: [] };
    const v = validateState({ ...state(), cursors: { bbbbbbbbbbbb: cursor, cccccccccccc: cursor } });
    expect(v).toMatchObject({
      ok: true,
      state: { linked: [{ fps: ["bbbbbbbbbbbb", "cccccccccccc"], ...cursor }] },
    });
  });

  it("three-way state merge: a command's change wins, the pass's countdown stays, counts add up", () => {
    const base = state({ snooze: { occurrences: 100 } });
    const planned = state({ snooze: { occurrences: 97 }, total: 22 });
    expect(mergeState(stateBase(base), planned, base).snooze).toEqual({ occurrences: 97 });
    const commanded = state({
      snooze: { until: "2026-12-01T00:00:00Z" },
      priority: "P0",
      priorityPinned: true,
    });
    expect(mergeState(stateBase(base), planned, commanded)).toMatchObject({
      snooze: { until: "2026-12-01T00:00:00Z" },
      priority: "P0",
      priorityPinned: true,
      total: 22,
    });
    const linked = state({ snooze: base.snooze, total: 24, aliases: ["bbbbbbbbbbbb"] });
    expect(mergeState(stateBase(base), planned, linked)).toMatchObject({
      total: 27,
      aliases: ["bbbbbbbbbbbb"],
    });
  });

  it("withState leaves one marker and keeps everything else", () => {
    const written = withState(`${encodeState(state())}\nnote\n${body()}`, state({ total: 1 }));
    expect(written.match(/log-gardener:state/g)).toHaveLength(1);
    expect(parseIssueBody(written).state?.total).toBe(1);
    expect(written).toContain("human notes");
  });
});

describe("dashboard state", () => {
  it("round-trips the fingerprint index and drops what a human broke", () => {
    const marker = encodeDashboardState({
      v: 1,
      lastPass: "2026-11-23T10:00:00.000Z",
      issues: { aaaaaaaaaaaa: 3 },
    });
    expect(decodeDashboardState(`x ${marker}`)).toEqual({
      v: 1,
      lastPass: "2026-11-23T10:00:00.000Z",
      issues: { aaaaaaaaaaaa: 3 },
    });
    const broken = marker
      .replace('"aaaaaaaaaaaa":3', '"aaaaaaaaaaaa":3,"bbbbbbbbbbbb":"four"')
      .replace("2026-11-23T10:00:00.000Z", "noon");
    expect(decodeDashboardState(broken)).toEqual({ v: 1, issues: { aaaaaaaaaaaa: 3 } });
    expect(decodeDashboardState("<!-- log-gardener:dashboard {oops} -->")).toEqual({ v: 1 });
  });
});
