import type { GardenerConfig } from "../../config/schema.js";
import type { GitHub, RepoRef } from "../../github/client.js";
import { getIssue } from "../../github/issues.js";
import { hasStep, readTicks, setStep, statusLine, stepNamesOf } from "../../issue-body/checklist.js";
import { nextRevision, parseIssueBody, withState } from "../../issue-body/document.js";
import { isPriorityLabel, priorityLabel, priorityOfLabels, retitle } from "../../issue-body/format.js";
import type { IssueState, LinkedCursor } from "../../issue-body/marker.js";
import { MAX_BODY } from "../../issue-body/view.js";
import { advanceCursor, linkedLimit } from "../../plan/counting.js";
import { withRepoLock } from "../../sync/repo-lock.js";
import { render } from "../../templates/render.js";
import { decodeDashboardState } from "../../issue-body/dashboard-state.js";
import { updateChecklist } from "../checklist-edit.js";
import { requestFiling, writeDashboardWork, type DashboardWork } from "./file.js";
import { oneLine, sameSet } from "../github-ops.js";
import { ALL_USAGE, type Command, type Located, type ParseError } from "./parse.js";

/** A command that cannot be done as asked; its message is the reply. */
class CommandError extends Error {}

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

const PATTERN_ONLY = "works only on an issue Log Gardener filed (it carries the bot's hidden state marker)";
const DASHBOARD_ONLY =
  "works on the Log Gardener dashboard issue, whose backlog lists the patterns waiting for an issue";

async function readIssue(
  gh: GitHub,
  repo: RepoRef,
  n: number,
): Promise<Working & { damaged?: string; pull: boolean }> {
  const issue = await getIssue(gh, repo, n);
  const doc = parseIssueBody(issue.body);
  return {
    title: issue.title,
    pull: issue.pullRequest === true,
    body: issue.body,
    labels: issue.labels,
    state: issue.state,
    stateReason: issue.stateReason ?? null,
    marker: doc.state,
    damaged: doc.ours && !doc.state ? doc.damage.join("; ") : undefined,
  };
}

/** Writes what changed in one PATCH; a body the bot writes carries its state one revision further. */
async function writeIssue(
  gh: GitHub,
  repo: RepoRef,
  n: number,
  from: Working,
  to: Working,
): Promise<boolean> {
  const patch: Record<string, unknown> = {};
  if (to.body !== from.body || to.marker !== from.marker) {
    patch.body = to.marker ? withState(to.body, nextRevision(to.marker, from.marker)) : to.body;
    if ((patch.body as string).length > MAX_BODY) {
      throw new Error(`the body would be longer than GitHub's ${MAX_BODY} characters`);
    }
  }
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
  const priority = priorityOfLabels(w.labels) ?? m.priority;
  return render("command-status", {
    m,
    priority,
    state: w.state,
    stateReason: w.stateReason,
    checklist: statusLine(readTicks(w.body)),
  }).trim();
}

/** The target's linked cursors with this issue's fingerprints added as one group, each cut to its share. */
function linkCursors(self: IssueState, target: IssueState): LinkedCursor[] {
  const own: LinkedCursor = {
    fps: [self.fp, ...self.aliases],
    countedUpTo: self.countedUpTo,
    recent: self.recent,
    ...(self.floor !== undefined ? { floor: self.floor } : {}),
  };
  const taken = new Set([target.fp]);
  const groups: LinkedCursor[] = [];
  // a fingerprint that already had a cursor of its own (linked earlier) keeps it
  for (const g of [...(target.linked ?? []), ...(self.linked ?? []), own]) {
    const fps = g.fps.filter((fp) => !taken.has(fp));
    fps.forEach((fp) => taken.add(fp));
    if (fps.length > 0) groups.push({ ...g, fps });
  }
  const limit = linkedLimit(groups.length);
  return groups.map((g) => ({ fps: g.fps, ...advanceCursor([], g, limit) }));
}

async function link(env: CommandEnv, w: Working, target: number): Promise<string> {
  const self = w.marker!;
  if (target === env.issueNumber) throw new CommandError("an issue cannot be linked to itself");
  const other = await readIssue(env.gh, env.repo, target).catch((e: { status?: number }) => {
    if (e.status === 404 || e.status === 410) throw new CommandError(`there is no issue #${target}`);
    throw e;
  });
  if (other.pull) throw new CommandError(`#${target} is a pull request`);
  if (other.damaged) throw new CommandError(`#${target} has a damaged state marker (${other.damaged})`);
  const adopted: Working = { ...other, labels: [...other.labels] };
  if (other.marker) {
    const m = other.marker;
    const fps = [self.fp, ...self.aliases];
    adopted.marker = {
      ...m,
      aliases: [...new Set([...m.aliases, ...fps])].filter((fp) => fp !== m.fp),
      linked: linkCursors(self, m),
      total: m.total + self.total,
      firstSeen: Date.parse(m.firstSeen) < Date.parse(self.firstSeen) ? m.firstSeen : self.firstSeen,
      lastSeen: Date.parse(m.lastSeen) > Date.parse(self.lastSeen) ? m.lastSeen : self.lastSeen,
    };
  } else {
    adopted.marker = { ...self };
    for (const l of [env.config.labels.bot, priorityLabel(self.priority)]) {
      if (!adopted.labels.includes(l)) adopted.labels.push(l);
    }
  }
  await writeIssue(env.gh, env.repo, target, other, adopted).catch((error: unknown) => {
    throw new CommandError(`#${target} could not be written (${oneLine(error)}); nothing was changed`);
  });
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
      w.labels = [...w.labels.filter((l) => !isPriorityLabel(l)), priorityLabel(c.priority)];
      w.marker = { ...m, priority: c.priority, priorityPinned: true };
      w.title = retitle(w.title, c.priority);
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
      if (!hasStep(w.body, c.step)) throw new CommandError(`this issue has no box for step ${c.step}`);
      const before = readTicks(w.body);
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
      const what = `step ${c.step} ${c.done ? "done" : "undone"}: ${statusLine(readTicks(w.body))}`;
      return change.close ? `${what}; every step is done, so the issue is closed` : what;
    }
    case "link":
      return link(env, w, c.issue);
    default:
      throw new CommandError(`unexpected command ${c.kind}`);
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
  /** Results of commands that change the issue: they are only true once the write went through. */
  const changes: CommandResult[] = [];
  const key = `${env.repo.owner}/${env.repo.repo}`.toLowerCase();
  await withRepoLock(key, async () => {
    const current = await readIssue(env.gh, env.repo, env.issueNumber);
    const w: Working = { ...current, labels: [...current.labels] };
    const dashboard = decodeDashboardState(current.body);
    const dash: DashboardWork | undefined = dashboard && {
      body: current.body,
      state: dashboard,
      changed: false,
    };
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
      if (c.kind === "file") {
        const result = dash ? requestFiling(dash, c.fingerprints, env.actor, env.now) : undefined;
        const d = done(result?.ok ?? false, result?.text ?? DASHBOARD_ONLY);
        if (result?.ok) changes.push(d);
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
        const result = done(true, await apply(env, c, w));
        if (c.kind !== "status") changes.push(result);
      } catch (error) {
        done(false, error instanceof CommandError ? error.message : `GitHub failed: ${oneLine(error)}`);
      }
    }
    const write = dash
      ? writeDashboardWork(env.gh, env.repo, env.issueNumber, dash)
      : writeIssue(env.gh, env.repo, env.issueNumber, current, w);
    await write.catch((error: unknown) => {
      for (const result of changes) {
        result.ok = false;
        result.text = `not saved: ${oneLine(error)}; nothing was changed, try again`;
      }
    });
  }).catch((error: unknown) => {
    // the issue could not even be read: every command gets that answer, and the user still gets a reply
    results.length = 0;
    passRequests.length = 0;
    for (const c of commands) {
      results.push({ source: c.source, ok: false, text: `the issue could not be read: ${oneLine(error)}` });
    }
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
