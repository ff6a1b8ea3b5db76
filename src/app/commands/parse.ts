import { parseDuration } from "../../config/duration.js";
import { PRIORITIES, STEP_COUNT, type Priority } from "../../issue-body/format.js";

/** One `/garden …` command, as written on one line of a comment. */
export type Command =
  | { kind: "help" }
  | { kind: "status" }
  | { kind: "run" }
  | { kind: "samples" }
  | { kind: "ignore" }
  | { kind: "unignore" }
  | { kind: "step"; step: number; done: boolean }
  | { kind: "priority"; priority: Priority }
  | { kind: "snooze"; forMs: number; text: string }
  | { kind: "snooze"; until: string }
  | { kind: "snooze"; occurrences: number }
  | { kind: "link"; issue: number }
  | { kind: "impact"; text: string }
  | { kind: "file"; fingerprints: string[] | "all" };

export type CommandKind = Command["kind"];
export type Located<T> = T & { line: number; source: string };

export interface ParseError {
  line: number;
  source: string;
  message: string;
  /** The syntax of the command that was meant (all commands when the name is unknown). */
  usage: string;
}

export interface ParseResult {
  commands: Array<Located<Command>>;
  errors: ParseError[];
}

export const MAX_COMMANDS = 10;
/** Fingerprints one `/garden file` names at most. */
export const MAX_FILE_TARGETS = 50;
export const MAX_IMPACT = 500;

/** Syntax of every command, in the order `help` lists them. */
export const USAGE: Record<CommandKind, string> = {
  help: "/garden help",
  status: "/garden status",
  run: "/garden run",
  step: `/garden step N done|undo  (N = 0..${STEP_COUNT - 1})`,
  priority: `/garden priority ${PRIORITIES[0]}..${PRIORITIES[PRIORITIES.length - 1]}`,
  snooze: "/garden snooze 7d | /garden snooze until 2026-12-01 | /garden snooze 100  (occurrences)",
  ignore: "/garden ignore",
  unignore: "/garden unignore",
  link: "/garden link #N",
  samples: "/garden samples",
  impact: "/garden impact <text>",
  file: "/garden file <fingerprint> … | /garden file all  (on the dashboard: file backlog patterns in the next pass)",
};

export const ALL_USAGE = Object.values(USAGE).join("\n");

const COMMAND_RE = /^ {0,3}\/garden(?:\s+(.*))?$/i;
const FENCE_RE = /^ {0,3}(`{3,}|~{3,})(.*)$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/** Lines of a comment that may hold commands: not in fences, not indented code, not quoted. */
export function commandLines(body: string): Array<{ line: number; text: string }> {
  const out: Array<{ line: number; text: string }> = [];
  let fence: { char: string; length: number } | undefined;
  body.split(/\r?\n/).forEach((text, index) => {
    const open = FENCE_RE.exec(text);
    if (fence) {
      const close =
        open && open[1][0] === fence.char && open[1].length >= fence.length && open[2].trim() === "";
      if (close) fence = undefined;
      return;
    }
    if (open && !(open[1][0] === "`" && open[2].includes("`"))) {
      fence = { char: open[1][0], length: open[1].length };
      return;
    }
    if (/^(?: {4}|\t)/.test(text) || /^ {0,3}>/.test(text)) return;
    if (COMMAND_RE.test(text)) out.push({ line: index + 1, text: text.trim() });
  });
  return out;
}

type Parsed = Command | { error: string; kind?: CommandKind };

function parseSnooze(args: string[]): Parsed {
  const kind = "snooze";
  if (args.length === 2 && args[0].toLowerCase() === "until") {
    const m = DATE_RE.exec(args[1]);
    const date = m ? new Date(args[1].length === 10 ? `${args[1]}T00:00:00Z` : args[1]) : undefined;
    if (
      !m ||
      !date ||
      Number.isNaN(date.getTime()) ||
      date.toISOString().slice(0, 10) !== `${m[1]}-${m[2]}-${m[3]}`
    ) {
      return { kind, error: `"${args[1]}" is not a date (YYYY-MM-DD)` };
    }
    return { kind, until: date.toISOString() };
  }
  if (args.length !== 1)
    return { kind, error: "expected a duration, `until <date>` or a number of occurrences" };
  if (/^\d+$/.test(args[0])) {
    const occurrences = Number(args[0]);
    if (occurrences < 1 || occurrences > 1_000_000_000)
      return { kind, error: "occurrences must be 1 or more" };
    return { kind, occurrences };
  }
  const ms = parseDuration(args[0]);
  if (ms === undefined || ms < 60_000)
    return { kind, error: `"${args[0]}" is not a duration such as 7d or 12h` };
  if (ms > 366 * 86_400_000) return { kind, error: "snooze for at most a year" };
  return { kind, forMs: ms, text: args[0].toLowerCase() };
}

function parseOne(rest: string): Parsed {
  const [name = "help", ...args] = rest.trim().split(/\s+/).filter(Boolean);
  const kind = name.toLowerCase() as CommandKind;
  const noArgs = (k: CommandKind): Parsed =>
    args.length === 0 ? ({ kind: k } as Command) : { kind: k, error: `\`${k}\` takes no argument` };
  switch (kind) {
    case "help":
    case "status":
    case "run":
    case "samples":
    case "ignore":
    case "unignore":
      return noArgs(kind);
    case "step": {
      const [n, action] = args;
      const step = /^\d+$/.test(n ?? "") ? Number(n) : NaN;
      if (!(step >= 0 && step < STEP_COUNT))
        return { kind, error: `the step must be 0 to ${STEP_COUNT - 1}` };
      const done = action?.toLowerCase();
      if (args.length !== 2 || (done !== "done" && done !== "undo")) {
        return { kind, error: "say `done` or `undo` after the step number" };
      }
      return { kind, step, done: done === "done" };
    }
    case "priority": {
      const p = args[0]?.toUpperCase();
      if (args.length !== 1 || !PRIORITIES.includes(p as Priority)) {
        return { kind, error: `the priority must be one of ${PRIORITIES.join(", ")}` };
      }
      return { kind, priority: p as Priority };
    }
    case "snooze":
      return parseSnooze(args);
    case "link": {
      const m = args.length === 1 ? /^#?(\d{1,9})$/.exec(args[0]) : null;
      if (!m || Number(m[1]) < 1) return { kind, error: "expected an issue number such as #12" };
      return { kind, issue: Number(m[1]) };
    }
    case "file": {
      if (args.length === 1 && args[0].toLowerCase() === "all") return { kind, fingerprints: "all" };
      const fps = args.map((a) => a.replace(/^`|`$/g, ""));
      if (fps.length === 0) return { kind, error: "name a fingerprint from the backlog, or `all`" };
      if (fps.length > MAX_FILE_TARGETS)
        return { kind, error: `at most ${MAX_FILE_TARGETS} fingerprints at once` };
      const bad = fps.find((fp) => !/^[A-Za-z0-9_-]{1,64}$/.test(fp));
      if (bad) return { kind, error: `"${bad.slice(0, 70)}" is not a fingerprint` };
      return { kind, fingerprints: [...new Set(fps)] };
    }
    case "impact": {
      const text = rest.trim().slice(name.length).trim();
      if (text === "") return { kind, error: "say what the impact is" };
      if (text.length > MAX_IMPACT) return { kind, error: `keep the impact under ${MAX_IMPACT} characters` };
      return { kind, text };
    }
    default:
      return { error: `unknown command \`${name.slice(0, 40)}\`` };
  }
}

/** Every `/garden` command of a comment, one per line; bad lines become errors carrying the usage. */
export function parseCommands(body: string | null | undefined): ParseResult {
  const result: ParseResult = { commands: [], errors: [] };
  for (const { line, text } of commandLines(body ?? "")) {
    if (result.commands.length + result.errors.length >= MAX_COMMANDS) {
      result.errors.push({
        line,
        source: text,
        message: `at most ${MAX_COMMANDS} commands per comment`,
        usage: "",
      });
      break;
    }
    const parsed = parseOne(COMMAND_RE.exec(text)?.[1] ?? "");
    if ("error" in parsed) {
      const usage = parsed.kind ? USAGE[parsed.kind] : ALL_USAGE;
      result.errors.push({ line, source: text, message: parsed.error, usage });
    } else {
      result.commands.push({ ...parsed, line, source: text });
    }
  }
  return result;
}
