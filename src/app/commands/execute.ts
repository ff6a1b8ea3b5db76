import type { GardenerConfig } from "../../config/schema.js";
import type { GitHub, RepoRef } from "../../github/client.js";
import { readTicks, statusLine } from "../../issue-body/checklist.js";
import { decodeState, encodeState, mergeBody, type IssueState } from "../../issue-body/marker.js";
import { render } from "../../templates/render.js";
import { STEPS, hasStep, setStep, stepNamesOf, updateChecklist } from "../checklist-edit.js";
import { labelNames, sameSet } from "../github-ops.js";
import { ALL_USAGE, type Command, type Located, type ParseError } from "./parse.js";

export interface CommandEnv {
  gh: GitHub;
  repo: RepoRef;
  issueNumber: number;
  actor: string;
  now: Date;
  config: GardenerConfig;
  /** Starts a pass for this repo now; false when one is already running. */
  triggerPass: (refreshSamplesOf?: number[]) => boolean;
}

export interface CommandResult {
  source: string;
  ok: boolean;
  text: string;
}

interface Working {
  body: string;
  labels: string[];
  state: "open" | "closed";
  stateReason: string | null;
  marker?: IssueState;
}

type RawIssue = {
  body?: string | null;
  labels: Array<string | { name?: string }>;
  state: string;
  state_reason?: string | null;
};

const PRIORITY_RE = /^priority:P\d$/i;
const PATTERN_ONLY = "works only on an issue Log Gardener filed (it carries the bot's hidden state marker)";

async function readIssue(gh: GitHub, repo: RepoRef, n: number): Promise<Working & { damaged?: string }> {
  const { data } = await gh.rest.issues.get({ ...repo, issue_number: n });
  const raw = data as RawIssue;
  const decoded = decodeState(raw.body);
  return {
    body: raw.body ?? "",
    labels: labelNames(raw.labels),
    state: raw.state === "closed" ? "closed" : "open",
    stateReason: raw.state_reason ?? null,
    marker: decoded?.ok ? decoded.state : undefined,
    damaged: decoded && !decoded.ok ? decoded.reason : undefined,
  };
}

async function writeIssue(
  gh: GitHub,
  repo: RepoRef,
  n: number,
  from: Working,
  to: Working,
): Promise<boolean> {
  const patch: Record<string, unknown> = {};
  const body =
    to.marker && to.marker !== from.marker ? mergeBody(to.body, encodeState(to.marker), []) : to.body;
  if (body !== from.body) patch.body = body;
  if (!sameSet(from.labels, to.labels)) patch.labels = to.labels;
  if (to.state !== from.state || (to.state === "closed" && to.stateReason !== from.stateReason)) {
    patch.state = to.state;
    if (to.state === "closed") patch.state_reason = to.stateReason;
  }
  if (Object.keys(patch).length === 0) return false;
  await gh.rest.issues.update({ ...repo, issue_number: n, ...patch });
  return true;
}

function statusText(w: Working): string {
  const m = w.marker!;
  const priority = w.labels.find((l) => PRIORITY_RE.test(l))?.slice("priority:".length) ?? m.priority;
  return render("command-status", {
    m,
    priority,
    state: w.state,
    stateReason: w.stateReason,
    checklist: statusLine(readTicks(w.body, STEPS)),
  }).trim();
}

async function link(env: CommandEnv, w: Working, target: number): Promise<string> {
  const self = w.marker!;
  if (target === env.issueNumber) throw new Error("an issue cannot be linked to itself");
  const other = await readIssue(env.gh, env.repo, target).catch((e: { status?: number }) => {
    if (e.status === 404 || e.status === 410) throw new Error(`there is no issue #${target}`);
    throw e;
  });
  if (other.damaged) throw new Error(`#${target} has a damaged state marker (${other.damaged})`);
  const fps = [self.fp, ...self.aliases];
  const adopted: Working = { ...other, labels: [...other.labels] };
  if (other.marker) {
    const m = other.marker;
    adopted.marker = {
      ...m,
      aliases: [...new Set([...m.aliases, ...fps])].filter((fp) => fp !== m.fp),
      total: m.total + self.total,
      firstSeen: m.firstSeen < self.firstSeen ? m.firstSeen : self.firstSeen,
      lastSeen: m.lastSeen > self.lastSeen ? m.lastSeen : self.lastSeen,
    };
  } else {
    adopted.marker = { ...self };
    for (const l of [env.config.labels.bot, `priority:${self.priority}`]) {
      if (!adopted.labels.includes(l)) adopted.labels.push(l);
    }
  }
  await writeIssue(env.gh, env.repo, target, other, adopted);
  w.state = "closed";
  w.stateReason = "duplicate";
  return render("command-linked", { target, merged: !!other.marker }).trim();
}

async function apply(env: CommandEnv, c: Command, w: Working): Promise<string> {
  const m = w.marker!;
  switch (c.kind) {
    case "status":
      return statusText(w);
    case "priority":
      w.labels = [...w.labels.filter((l) => !PRIORITY_RE.test(l)), `priority:${c.priority}`];
      return `priority set to ${c.priority}`;
    case "snooze": {
      if ("occurrences" in c) {
        w.marker = { ...m, snooze: { occurrences: c.occurrences } };
        return `snoozed for the next ${c.occurrences} occurrence(s): no reopen or ping until then`;
      }
      const until = "until" in c ? c.until : new Date(env.now.getTime() + c.forMs).toISOString();
      w.marker = { ...m, snooze: { until } };
      return `snoozed until ${until}: no reopen or ping until then`;
    }
    case "impact":
      w.marker = { ...m, impact: c.text };
      return "business impact overridden; the issue shows it from the next pass";
    case "ignore":
      if (!w.labels.includes(env.config.labels.ignored)) w.labels.push(env.config.labels.ignored);
      w.state = "closed";
      w.stateReason = "not_planned";
      return "ignored: closed as not planned; it will not be reopened";
    case "unignore":
      w.labels = w.labels.filter((l) => l !== env.config.labels.ignored);
      w.state = "open";
      w.stateReason = null;
      return "no longer ignored: reopened";
    case "step": {
      if (!hasStep(w.body, c.step)) throw new Error(`this issue has no box for step ${c.step}`);
      const before = readTicks(w.body, STEPS);
      const change = updateChecklist({
        body: setStep(w.body, c.step, c.done),
        before,
        labels: w.labels,
        open: w.state === "open",
        actor: env.actor,
        now: env.now,
        stepNames: stepNamesOf(w.body),
      });
      w.body = change.body;
      w.labels = change.labels;
      if (change.close) {
        w.state = "closed";
        w.stateReason = "completed";
      }
      const what = `step ${c.step} ${c.done ? "done" : "undone"}: ${statusLine(readTicks(w.body, STEPS))}`;
      return change.close ? `${what}; every step is done, so the issue is closed` : what;
    }
    case "link":
      return link(env, w, c.issue);
    default:
      throw new Error(`unexpected command ${c.kind}`);
  }
}

/**
 * Runs the commands of one comment on the issue, re-read first; the issue is written once at the end
 * (body with its state marker, labels, state) and only when something changed. Returns the reply.
 */
export async function executeCommands(
  env: CommandEnv,
  commands: Array<Located<Command>>,
  errors: ParseError[],
): Promise<string> {
  const current = await readIssue(env.gh, env.repo, env.issueNumber);
  const w: Working = { ...current, labels: [...current.labels] };
  const results: CommandResult[] = [];
  for (const c of commands) {
    const done = (ok: boolean, text: string) => results.push({ source: c.source, ok, text });
    if (c.kind === "help") {
      done(true, "");
      continue;
    }
    if (c.kind === "run" || c.kind === "samples") {
      const started = env.triggerPass(c.kind === "samples" ? [env.issueNumber] : []);
      done(true, render("command-run", { started, samples: c.kind === "samples" }).trim());
      continue;
    }
    if (!w.marker) {
      done(
        false,
        current.damaged ? `the state marker of this issue is damaged (${current.damaged})` : PATTERN_ONLY,
      );
      continue;
    }
    try {
      done(true, await apply(env, c, w));
    } catch (error) {
      if (typeof (error as { status?: unknown }).status === "number") throw error;
      done(false, error instanceof Error ? error.message : String(error));
    }
  }
  await writeIssue(env.gh, env.repo, env.issueNumber, current, w);
  const help = commands.some((c) => c.kind === "help");
  return render("command-reply", { results, errors, help, usage: ALL_USAGE }).trim();
}
