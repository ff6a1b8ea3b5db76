import { describe, expect, it } from "@jest/globals";
import { issueState } from "../../test/fixtures/issue-state.js";
import { defaultConfig } from "../config/load.js";
import type { Priority } from "../config/schema.js";
import {
  decodeDashboardState,
  encodeDashboardState,
  readBacklogTicks,
  setBacklogTicks,
} from "../issue-body/dashboard-state.js";
import type { Storm } from "../issue-body/intake-state.js";
import type { IssueState } from "../issue-body/marker.js";
import { parseCommands } from "../app/commands/parse.js";
import { toBacklogEntry } from "./backlog.js";
import { decideIntake, emptyMemory, settleBacklog, type Candidate, type IntakeMemory } from "./intake.js";

const NOW = new Date("2026-11-23T12:00:00Z");
const config = defaultConfig();

let n = 0;
function candidate(priority: Priority, total: number, patch: Partial<IssueState> = {}): Candidate {
  const fp = (++n).toString(16).padStart(12, "0");
  return {
    state: issueState({
      fp,
      priority,
      total,
      firstSeen: "2026-11-23T11:30:00.000Z",
      lastSeen: "2026-11-23T11:50:00.000Z",
      ...patch,
    }),
  };
}
const many = (count: number, priority: Priority = "P3") =>
  Array.from({ length: count }, () => candidate(priority, 5));
const memory = (patch: Partial<IntakeMemory> = {}): IntakeMemory => ({ ...emptyMemory(true), ...patch });
const passes = (...counts: number[]) =>
  counts.map((c, i) => ({
    at: new Date(NOW.getTime() - (counts.length - i) * 3_600_000).toISOString(),
    new: c,
  }));
const fps = (list: Array<{ candidate: Candidate }>) => list.map((x) => x.candidate.state.fp);

describe("which new patterns a pass files", () => {
  it("files the first pass priority first, then by occurrences, then oldest; never a storm without a baseline", () => {
    const p5 = candidate("P5", 900);
    const p1small = candidate("P1", 1);
    const p1big = candidate("P1", 50);
    const p1old = candidate("P1", 50, { firstSeen: "2026-11-23T08:00:00.000Z" });
    const rest = many(40, "P4");
    const r = decideIntake({
      candidates: [p5, ...rest, p1small, p1big, p1old],
      memory: memory(),
      baseline: false,
      config,
      now: NOW,
    });
    expect(r.stormEvent).toBeUndefined();
    expect(fps(r.file).slice(0, 3)).toEqual([p1old, p1big, p1small].map((c) => c.state.fp));
    expect(r.file).toHaveLength(10);
    expect(fps(r.waiting)).toContain(p5.state.fp);
    expect(r.waiting.every((w) => w.why === "budget")).toBe(true);
    expect(r.memory.backlog).toHaveLength(34);
    expect(r.memory.passes).toEqual([{ at: NOW.toISOString(), new: 44 }]);
  });

  it("calls a storm only far above the usual: threshold and factor × median", () => {
    const decide = (count: number, usual: number[]) =>
      decideIntake({
        candidates: many(count),
        memory: memory({ passes: passes(...usual) }),
        baseline: true,
        config,
        now: NOW,
      });
    expect(decide(26, [0, 1, 0]).stormEvent).toBe("started");
    expect(decide(25, [0, 1, 0]).stormEvent).toBeUndefined(); // not above the threshold
    expect(decide(40, [10, 8, 9]).stormEvent).toBeUndefined(); // 40 < 5 × 9
    expect(decide(46, [10, 8, 9]).stormEvent).toBe("started");
  });

  it("in a storm files only P0 and what a maintainer asked for; the rest waits, counted as storm-born", () => {
    const p0 = candidate("P0", 1);
    const asked = candidate("P4", 2);
    asked.entry = {
      ...toBacklogEntry(asked.state, "2026-11-23T09:00:00.000Z"),
      requested: { by: "maint", at: NOW.toISOString() },
    };
    const r = decideIntake({
      candidates: [...many(30), p0, asked],
      memory: memory({ passes: passes(1, 0) }),
      baseline: true,
      config,
      now: NOW,
    });
    expect(r.stormEvent).toBe("started");
    expect(r.file.map((f) => [f.candidate.state.fp, f.why])).toEqual([
      [p0.state.fp, "p0-in-storm"],
      [asked.state.fp, "requested"],
    ]);
    expect(r.newPatterns).toBe(31); // the asked-for one was deferred before: not new
    expect(r.storm).toMatchObject({ startedAt: NOW.toISOString(), newPatterns: 31, filed: 1 });
    expect(r.storm!.born).toHaveLength(31);
    expect(r.waiting.every((w) => w.why === "storm")).toBe(true);
    expect(r.memory.passes.at(-1)).toEqual({ at: NOW.toISOString(), new: 31, storm: true });
  });

  it("ends a storm at the threshold and files its patterns afterwards only if they occur again", () => {
    const gone = candidate("P2", 3, { lastSeen: "2026-11-23T10:30:00.000Z" });
    const stays = candidate("P2", 3, { lastSeen: "2026-11-23T10:30:00.000Z" });
    const storm: Storm = {
      startedAt: "2026-11-23T10:00:00.000Z",
      lastPassAt: "2026-11-23T11:00:00.000Z",
      passes: 2,
      newPatterns: 40,
      peak: 40,
      usual: 0,
      threshold: 25,
      top: [],
      born: [gone.state.fp, stays.state.fp],
      filed: 0,
    };
    const prev = "2026-11-23T11:00:00.000Z";
    const ended = decideIntake({
      candidates: [gone, stays],
      memory: memory({ storms: [storm], previousPass: prev }),
      baseline: true,
      config,
      now: NOW,
    });
    expect(ended.stormEvent).toBe("ended");
    expect(ended.storm?.endedAt).toBe(NOW.toISOString());
    expect(ended.file).toEqual([]);
    expect(ended.waiting.map((w) => w.why)).toEqual(["storm-born", "storm-born"]);

    const later = new Date(NOW.getTime() + 3_600_000);
    stays.state = { ...stays.state, lastSeen: "2026-11-23T12:30:00.000Z" };
    const after = decideIntake({
      candidates: [gone, stays],
      memory: ended.memory,
      baseline: true,
      config,
      now: later,
    });
    expect(fps(after.file)).toEqual([stays.state.fp]);
    expect(fps(after.waiting)).toEqual([gone.state.fp]);
  });

  it("forgets a storm's pattern that never occurred again a week after the storm, unless asked for", () => {
    const quiet = candidate("P2", 3);
    const asked = candidate("P2", 3);
    quiet.entry = toBacklogEntry(quiet.state, "2026-11-10T00:00:00.000Z");
    asked.entry = {
      ...toBacklogEntry(asked.state, "2026-11-10T00:00:00.000Z"),
      requested: { by: "maint", at: NOW.toISOString() },
    };
    const storm: Storm = {
      startedAt: "2026-11-10T00:00:00.000Z",
      lastPassAt: "2026-11-10T01:00:00.000Z",
      endedAt: "2026-11-10T02:00:00.000Z",
      passes: 1,
      newPatterns: 30,
      peak: 30,
      usual: 0,
      threshold: 25,
      top: [],
      born: [quiet.state.fp, asked.state.fp],
      filed: 0,
    };
    const r = decideIntake({
      candidates: [quiet, asked],
      memory: memory({ storms: [storm] }),
      baseline: true,
      config,
      now: NOW,
    });
    expect(fps(r.file)).toEqual([asked.state.fp]);
    expect(r.waiting).toEqual([]);
    expect(r.memory.storms).toEqual([]);
  });

  it("counts as new only what was first seen since the previous pass and is not in the backlog", () => {
    const old = many(30).map((c) => ({ ...c, state: { ...c.state, firstSeen: "2026-11-23T10:00:00.000Z" } }));
    const r = decideIntake({
      candidates: old,
      memory: memory({ passes: passes(0, 0), previousPass: "2026-11-23T11:00:00.000Z" }),
      baseline: true,
      config,
      now: NOW,
    });
    expect(r.newPatterns).toBe(0);
    expect(r.stormEvent).toBeUndefined();
    expect(r.file).toHaveLength(10);
  });

  it("puts a create that was postponed or failed back into the backlog", () => {
    const r = decideIntake({ candidates: many(3), memory: memory(), baseline: false, config, now: NOW });
    const [a, b] = fps(r.file);
    const settled = settleBacklog(
      r,
      new Map([
        [a, "postponed"],
        [b, "failed"],
      ]),
      NOW,
    );
    expect(fps(settled.file)).toHaveLength(1);
    expect(settled.memory.backlog.map((e) => e.fp).sort()).toEqual([a, b].sort());
    expect(settled.waiting.map((w) => w.why).sort()).toEqual(["failed", "postponed"]);
    // without a dashboard nothing is kept: the logs of later windows bring them back
    const logs = decideIntake({
      candidates: many(12),
      memory: emptyMemory(false),
      baseline: false,
      config,
      now: NOW,
    });
    expect(logs.memory.backlog).toEqual([]);
    expect(logs.waiting).toHaveLength(2);
  });
});

describe("the dashboard's backlog", () => {
  it("round-trips compactly; a broken entry loses only itself", () => {
    const entry = toBacklogEntry(
      issueState({
        fp: "abcabcabcabc",
        atLeast: true,
        history: [{ at: NOW.toISOString(), count: 3, atLeast: true }],
      }),
      NOW.toISOString(),
      {
        by: "maint",
        at: NOW.toISOString(),
      },
    );
    const marker = encodeDashboardState({ v: 1, backlog: [entry, { ...entry, fp: "def0def0def0" }] });
    expect(marker).toContain('"f":"abcabcabcabc"');
    expect(decodeDashboardState(marker)?.backlog).toEqual([entry, { ...entry, fp: "def0def0def0" }]);
    const broken = marker.replace('"n":19', '"n":"many"');
    expect(decodeDashboardState(broken)?.backlog?.map((e) => e.fp)).toEqual(["def0def0def0"]);
  });

  it("reads and sets the backlog's boxes", () => {
    const body =
      "- [ ] <!-- log-gardener:backlog=all --> all\n- [x] <!-- log-gardener:backlog=abc --> x\n- [ ] <!-- log-gardener:backlog=def --> y\n";
    expect([...readBacklogTicks(body)]).toEqual([
      ["all", false],
      ["abc", true],
      ["def", false],
    ]);
    const set = setBacklogTicks(
      body,
      new Map([
        ["abc", false],
        ["def", true],
      ]),
    );
    expect([...readBacklogTicks(set).values()]).toEqual([false, false, true]);
  });

  it("parses /garden file", () => {
    expect(parseCommands("/garden file all").commands[0]).toMatchObject({
      kind: "file",
      fingerprints: "all",
    });
    expect(parseCommands("/garden file `0123456789ab` 0123456789ab ffff").commands[0]).toMatchObject({
      fingerprints: ["0123456789ab", "ffff"],
    });
    expect(parseCommands("/garden file").errors[0].message).toMatch(/name a fingerprint/);
    expect(parseCommands("/garden file <script>").errors[0].message).toMatch(/not a fingerprint/);
  });
});
