import { describe, expect, it } from "@jest/globals";
import { ALL_USAGE, MAX_COMMANDS, USAGE, commandLines, parseCommands } from "./commands/parse.js";

const one = (body: string) => {
  const r = parseCommands(body);
  expect(r.errors).toEqual([]);
  expect(r.commands).toHaveLength(1);
  const { line: _l, source: _s, ...command } = r.commands[0];
  return command;
};
const error = (body: string) => {
  const r = parseCommands(body);
  expect(r.commands).toEqual([]);
  expect(r.errors).toHaveLength(1);
  return r.errors[0];
};

describe("parseCommands", () => {
  it("reads each command without arguments", () => {
    for (const kind of ["help", "status", "run", "samples", "ignore", "unignore"]) {
      expect(one(`/garden ${kind}`)).toEqual({ kind });
    }
    expect(one("/garden")).toEqual({ kind: "help" });
    expect(one("/GARDEN Status  ")).toEqual({ kind: "status" });
  });

  it("reads step, priority, link and impact", () => {
    expect(one("/garden step 2 done")).toEqual({ kind: "step", step: 2, done: true });
    expect(one("/garden step 0 UNDO")).toEqual({ kind: "step", step: 0, done: false });
    expect(one("/garden priority p1")).toEqual({ kind: "priority", priority: "P1" });
    expect(one("/garden link #42")).toEqual({ kind: "link", issue: 42 });
    expect(one("/garden link 7")).toEqual({ kind: "link", issue: 7 });
    expect(one("/garden impact checkout fails for  EU users")).toEqual({
      kind: "impact",
      text: "checkout fails for  EU users",
    });
  });

  it("reads the three kinds of snooze", () => {
    expect(one("/garden snooze 7d")).toEqual({ kind: "snooze", forMs: 7 * 86_400_000, text: "7d" });
    expect(one("/garden snooze until 2026-12-01")).toEqual({
      kind: "snooze",
      until: "2026-12-01T00:00:00.000Z",
    });
    expect(one("/garden snooze 100")).toEqual({ kind: "snooze", occurrences: 100 });
  });

  it("rejects bad arguments with the command's usage", () => {
    expect(error("/garden step 7 done")).toMatchObject({ usage: USAGE.step, line: 1 });
    expect(error("/garden step 2")).toMatchObject({ usage: USAGE.step });
    expect(error("/garden priority P9")).toMatchObject({ usage: USAGE.priority });
    expect(error("/garden snooze until 2026-02-30")).toMatchObject({ usage: USAGE.snooze });
    expect(error("/garden snooze soon")).toMatchObject({ usage: USAGE.snooze });
    expect(error("/garden snooze 0")).toMatchObject({ usage: USAGE.snooze });
    expect(error("/garden snooze 30s")).toMatchObject({ usage: USAGE.snooze });
    expect(error("/garden link abc")).toMatchObject({ usage: USAGE.link });
    expect(error("/garden impact")).toMatchObject({ usage: USAGE.impact });
    expect(error(`/garden impact ${"x".repeat(600)}`)).toMatchObject({ usage: USAGE.impact });
    expect(error("/garden ignore now")).toMatchObject({ usage: USAGE.ignore });
  });

  it("rejects an unknown command with the full usage", () => {
    const e = error("/garden frobnicate 3");
    expect(e.message).toContain("frobnicate");
    expect(e.usage).toBe(ALL_USAGE);
  });

  it("reads several commands, one per line, with their line numbers", () => {
    const r = parseCommands("Thanks!\n/garden priority P2\nsome text\n/garden snooze 100\n/garden nope");
    expect(r.commands.map((c) => [c.kind, c.line])).toEqual([
      ["priority", 2],
      ["snooze", 4],
    ]);
    expect(r.errors.map((e) => e.line)).toEqual([5]);
  });

  it("ignores commands in fences, indented code, quotes and mid-line", () => {
    const body = [
      "```",
      "/garden ignore",
      "```",
      "~~~~ text",
      "/garden ignore",
      "```",
      "/garden ignore",
      "~~~~",
      "    /garden ignore",
      "\t/garden ignore",
      "> /garden ignore",
      "  > /garden ignore",
      "please run /garden ignore",
      "/gardening",
      "/garden status",
    ].join("\n");
    expect(commandLines(body)).toEqual([{ line: 15, text: "/garden status" }]);
  });

  it("treats an unclosed fence as running to the end", () => {
    expect(parseCommands("```\n/garden ignore").commands).toEqual([]);
  });

  it("caps the number of commands", () => {
    const r = parseCommands(Array.from({ length: MAX_COMMANDS + 3 }, () => "/garden status").join("\n"));
    expect(r.commands).toHaveLength(MAX_COMMANDS);
    expect(r.errors).toHaveLength(1);
  });

  it("handles empty bodies and CRLF", () => {
    expect(parseCommands(null)).toEqual({ commands: [], errors: [] });
    expect(parseCommands("/garden run\r\n/garden status\r\n").commands.map((c) => c.kind)).toEqual([
      "run",
      "status",
    ]);
  });
});
