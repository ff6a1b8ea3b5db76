import type { GardenerConfig } from "../../config/schema.js";
import type { GitHub, RepoRef } from "../../github/client.js";
import { readTicks, statusLine, STEP_COUNT } from "../../issue-body/checklist.js";
import {
  decodeState,
  encodeState,
  mergeBody,
  type Cursor,
  type IssueState,
} from "../../issue-body/marker.js";
import { withRepoLock } from "../../sync/repo-lock.js";
import { render } from "../../templates/render.js";
import { hasStep, setStep, stepNamesOf, updateChecklist } from "../checklist-edit.js";
import { getIssue } from "../../github/issues.js";
import { sameSet } from "../github-ops.js";
import { ALL_USAGE, type Command, type Located, type ParseError } from "./parse.js";

export interface CommandEnv {
  gh: GitHub;
  repo: RepoRef;
  issueNumber: number;
  actor: string;
  now: Date;
  config: GardenerConfig;
  /**
   * Starts a pass for this repo now; false when one is already running. Called after the issue is
   * written and the repo lock released, so the pass never waits on the command that started it.
   */
  triggerPass: (refreshSamplesOf?: number[]) => boolean;
}

export interface CommandResult {
  source: string;
  ok: boolean;
  text: string;
}

interface Working {
  title: string;
  body: string;
  labels: string[];
  state: "open" | "closed";
  stateReason: string | null;
  marker?: IssueState;
}

const PRIORITY_RE = /^priority:P\d$/i;
/** The priority prefix the bot puts in front of its titles: `[P2] api: …`. */
const TITLE_PRIORITY_RE = /^\[P[0-5]\] /;
const PATTERN_ONLY = "works only on an issue Log Gardener filed (it carries the bot's hidden state marker)";

async function readIssue(
  gh: GitHub,
  repo: RepoRef,
  n: number,
): Promise<Working & { damaged?: string; pull: boolean }> {
  const issue = await getIssue(gh, repo, n);
  const decoded = decodeState(issue.body);
  return {
    title: issue.title,
    pull: issue.pullRequest === true,
    body: issue.body,
    labels: issue.labels,
    state: issue.state,
    stateReason: issue.stateReason ?? null,
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
  if (to.title !== from.title) patch.title = to.title;
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
    checklist: statusLine(readTicks(w.body, STEP_COUNT)),
  }).trim();
}

async function link(env: CommandEnv, w: Working, target: number): Promise<string> {
  const self = w.marker!;
  if (target === env.issueNumber) throw new Error("an issue cannot be linked to itself");
  const other = await readIssue(env.gh, env.repo, target).catch((e: { status?: number }) => {
    if (e.status === 404 || e.status === 410) throw new Error(`there is no issue #${target}`);
    throw e;
  });
  if (other.pull) throw new Error(`#${target} is a pull request`);
  if (other.damaged) throw new Error(`#${target} has a damaged state marker (${other.damaged})`);
  const fps = [self.fp, ...self.aliases];
  const adopted: Working = { ...other, labels: [...other.labels] };
  if (other.marker) {
    const m = other.marker;
    // self's fingerprints keep self's counting cursor, so the target does not count their entries again
    const own: Cursor = { countedUpTo: self.countedUpTo, recent: self.recent };
    const cursors: Record<string, Cursor> = {
      ...m.cursors,
      ...Object.fromEntries(fps.map((fp) => [fp, own])),
      ...self.cursors,
    };
    delete cursors[m.fp];
    adopted.marker = {
      ...m,
      aliases: [...new Set([...m.aliases, ...fps])].filter((fp) => fp !== m.fp),
      cursors,
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
      w.marker = { ...m, priority: c.priority, priorityPinned: true };
      if (TITLE_PRIORITY_RE.test(w.title)) w.title = w.title.replace(TITLE_PRIORITY_RE, `[${c.priority}] `);
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
      const before = readTicks(w.body, STEP_COUNT);
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
      const what = `step ${c.step} ${c.done ? "done" : "undone"}: ${statusLine(readTicks(w.body, STEP_COUNT))}`;
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
 * (body with its state marker, labels, state) and only when something changed. The read and the write
 * run under the repo lock, so a pass and a command never interleave in this process; `/garden run` and
 * `/garden samples` start their pass only after the lock is released. Returns the reply.
 */
export async function executeCommands(
  env: CommandEnv,
  commands: Array<Located<Command>>,
  errors: ParseError[],
): Promise<string> {
  const results: CommandResult[] = [];
  /** Results of `run` and `samples`, answered once the pass is triggered after the lock. */
  const passRequests: Array<{ result: CommandResult; samples: boolean }> = [];
  const key = `${env.repo.owner}/${env.repo.repo}`.toLowerCase();
  await withRepoLock(key, async () => {
    const current = await readIssue(env.gh, env.repo, env.issueNumber);
    const w: Working = { ...current, labels: [...current.labels] };
    for (const c of commands) {
      const done = (ok: boolean, text: string) => {
        const result = { source: c.source, ok, text };
        results.push(result);
        return result;
      };
      if (c.kind === "help") {
        done(true, "");
        continue;
      }
      if (c.kind === "run" || c.kind === "samples") {
        passRequests.push({ result: done(true, ""), samples: c.kind === "samples" });
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
  });
  if (passRequests.length > 0) {
    const samples = passRequests.some((p) => p.samples);
    const started = env.triggerPass(samples ? [env.issueNumber] : []);
    for (const p of passRequests) {
      p.result.text = render("command-run", { started, samples: p.samples }).trim();
    }
  }
  const help = commands.some((c) => c.kind === "help");
  return render("command-reply", { results, errors, help, usage: ALL_USAGE }).trim();
}
