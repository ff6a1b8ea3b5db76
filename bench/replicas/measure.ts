/**
 * The figures of `npm run bench:replicas`, computed only from what the fakes recorded (every GitHub
 * request with the port, hence the replica, it came from; every Cloud Logging read; the final issues
 * and comments): nothing is taken from the app's own account of what it did.
 */
import { decodeDashboardState, isDashboard } from "../../src/issue-body/dashboard-state.js";
import { parseIssueBody } from "../../src/issue-body/document.js";

/** A GitHub request as the fake recorded it, with the replica its port belongs to. */
export interface GitHubCall {
  replica: number;
  at: number;
  method: string;
  path: string;
  body: unknown;
}

/** A `ListLogEntries` call: the start of a pass that found its repo due (not-due checks read no log). */
export interface LogRead {
  replica: number;
  at: number;
  repo: string;
}

export interface Command {
  repo: string;
  issue: number;
  commentId: number;
  /** the command line, as the answer quotes it */
  source: string;
  /** HTTP status of the webhook delivery (2xx: acknowledged) */
  status: number;
}

export interface FinalIssue {
  repo: string;
  number: number;
  body: string;
  state: string;
  byBot: boolean;
}

export interface FinalComment {
  repo: string;
  issue: number;
  body: string;
  byBot: boolean;
}

export interface Kill {
  replica: number;
  at: number;
  repo: string;
}

export interface BenchRecord {
  replicas: number;
  repos: string[];
  /** start of slot 0 and the schedule's period: slot k is [start + k·period, start + (k+1)·period) */
  start: number;
  periodMs: number;
  slots: number;
  calls: GitHubCall[];
  reads: LogRead[];
  commands: Command[];
  issues: FinalIssue[];
  comments: FinalComment[];
  /** log entries each repo's issue should have counted in the end */
  expectedCount: number;
  kill?: Kill;
}

export interface Span {
  repo: string;
  kind: "pass" | "command";
  replica: number;
  start: number;
  end: number;
}

export interface Figures {
  due: number;
  ran: number;
  /** passes of one repo in one slot beyond the first */
  duplicatePasses: number;
  /** issues with a fingerprint already filed in the repo */
  duplicateIssues: number;
  /** answers beyond the first to one command */
  duplicateAnswers: number;
  /** pairs of spans of one repo that overlap in time */
  overlapping: number;
  lostPasses: number;
  commands: number;
  acknowledged: number;
  answered: number;
  /** passes whose slot is after the measured ones (drain) */
  outsideWindow: number;
  countsExact: number;
  countsChecked: number;
  countErrors: string[];
  recoveredMs?: number;
  overlaps: Array<[Span, Span]>;
}

const REPO_PATH = /^\/repos\/([^/]+\/[^/]+)(?:\/|$)/;
const ISSUE_WRITE = /^\/repos\/[^/]+\/[^/]+\/issues(?:\/(\d+))?$/;
const COMMENT_WRITE = /^\/repos\/[^/]+\/[^/]+\/issues\/(\d+)\/comments$/;
const REACTION = /^\/repos\/[^/]+\/[^/]+\/issues\/comments\/(\d+)\/reactions$/;

export const repoOf = (path: string): string | undefined => REPO_PATH.exec(path)?.[1]?.toLowerCase();

/** The `lastPass` a dashboard write records, when the call is one. */
export function dashboardPass(call: GitHubCall): number | undefined {
  if (call.method !== "POST" && call.method !== "PATCH") return undefined;
  if (!ISSUE_WRITE.test(call.path)) return undefined;
  const text = (call.body as { body?: unknown } | undefined)?.body;
  if (typeof text !== "string" || !isDashboard(text)) return undefined;
  const last = decodeDashboardState(text)?.lastPass;
  return last ? Date.parse(last) : undefined;
}

/**
 * A pass runs from its log read to its replica's next dashboard write for the repo; one killed on the
 * way ends at the kill; one that ended without a dashboard write ends at its replica's last request for
 * the repo before its next read.
 */
export function passSpans(rec: Pick<BenchRecord, "calls" | "reads" | "kill">): Span[] {
  const byKey = new Map<string, GitHubCall[]>();
  for (const c of rec.calls) {
    const repo = repoOf(c.path);
    if (!repo) continue;
    const key = `${c.replica} ${repo}`;
    (byKey.get(key) ?? byKey.set(key, []).get(key)!).push(c);
  }
  const reads = [...rec.reads].sort((a, b) => a.at - b.at);
  const spans: Span[] = [];
  reads.forEach((read, i) => {
    const repo = read.repo.toLowerCase();
    const next = reads.slice(i + 1).find((r) => r.replica === read.replica && r.repo.toLowerCase() === repo);
    const limit = Math.min(next?.at ?? Infinity, rec.kill?.replica === read.replica ? rec.kill.at : Infinity);
    const calls = (byKey.get(`${read.replica} ${repo}`) ?? []).filter((c) => c.at >= read.at && c.at < limit);
    const write = calls.find((c) => dashboardPass(c) !== undefined);
    const end =
      write?.at ?? (limit !== Infinity && limit === rec.kill?.at ? limit : (calls.at(-1)?.at ?? read.at));
    spans.push({ repo, kind: "pass", replica: read.replica, start: read.at, end });
  });
  return spans;
}

const isAnswer = (c: FinalComment, cmd: Command) =>
  c.byBot &&
  c.repo.toLowerCase() === cmd.repo.toLowerCase() &&
  c.issue === cmd.issue &&
  c.body.includes(cmd.source);

/** A command runs from the 👀 on its comment to its answer on the issue. */
export function commandSpans(rec: Pick<BenchRecord, "calls" | "commands">): Span[] {
  const spans: Span[] = [];
  for (const cmd of rec.commands) {
    const repo = cmd.repo.toLowerCase();
    const eyes = rec.calls.find(
      (c) =>
        c.method === "POST" &&
        REACTION.exec(c.path)?.[1] === String(cmd.commentId) &&
        repoOf(c.path) === repo,
    );
    if (!eyes) continue;
    const answer = rec.calls.find((c) => {
      if (c.at < eyes.at || c.method !== "POST" || repoOf(c.path) !== repo) return false;
      if (COMMENT_WRITE.exec(c.path)?.[1] !== String(cmd.issue)) return false;
      const text = (c.body as { body?: unknown } | undefined)?.body;
      return typeof text === "string" && text.includes(cmd.source);
    });
    if (!answer) continue;
    spans.push({ repo, kind: "command", replica: answer.replica, start: eyes.at, end: answer.at });
  }
  return spans;
}

export function overlappingPairs(spans: Span[]): Array<[Span, Span]> {
  const byRepo = new Map<string, Span[]>();
  for (const s of spans) (byRepo.get(s.repo) ?? byRepo.set(s.repo, []).get(s.repo)!).push(s);
  const pairs: Array<[Span, Span]> = [];
  for (const list of byRepo.values()) {
    list.sort((a, b) => a.start - b.start);
    for (let i = 0; i < list.length; i++)
      for (let j = i + 1; j < list.length && list[j].start < list[i].end; j++) pairs.push([list[i], list[j]]);
  }
  return pairs;
}

export function measure(rec: BenchRecord): Figures {
  const repos = new Set(rec.repos.map((r) => r.toLowerCase()));
  const end = rec.start + rec.slots * rec.periodMs;

  // passes: one per distinct lastPass a dashboard write recorded
  const passes = new Map<string, Set<number>>();
  for (const c of rec.calls) {
    const at = dashboardPass(c);
    const repo = repoOf(c.path);
    if (at === undefined || !repo) continue;
    (passes.get(repo) ?? passes.set(repo, new Set()).get(repo)!).add(at);
  }
  let ran = 0;
  let duplicatePasses = 0;
  let outsideWindow = 0;
  for (const repo of repos) {
    const perSlot = new Map<number, number>();
    for (const at of passes.get(repo) ?? []) {
      if (at < rec.start || at >= end) {
        outsideWindow++;
        continue;
      }
      const slot = Math.floor((at - rec.start) / rec.periodMs);
      perSlot.set(slot, (perSlot.get(slot) ?? 0) + 1);
    }
    ran += perSlot.size;
    for (const n of perSlot.values()) duplicatePasses += n - 1;
  }
  const due = repos.size * rec.slots;

  // issues: one per fingerprint and repo; counts as the entries served
  const filed = new Map<string, number>();
  let countsExact = 0;
  let countsChecked = 0;
  const countErrors: string[] = [];
  for (const issue of rec.issues) {
    if (!issue.byBot || isDashboard(issue.body)) continue;
    const doc = parseIssueBody(issue.body);
    if (!doc.state) continue;
    const key = `${issue.repo.toLowerCase()} ${doc.state.fp}`;
    filed.set(key, (filed.get(key) ?? 0) + 1);
    if (issue.state !== "open") continue;
    countsChecked++;
    if (doc.state.total === rec.expectedCount) countsExact++;
    else
      countErrors.push(
        `${issue.repo}#${issue.number}: ${doc.state.total} counted, ${rec.expectedCount} sent`,
      );
  }
  const duplicateIssues = [...filed.values()].reduce((n, k) => n + k - 1, 0);

  let answered = 0;
  let duplicateAnswers = 0;
  for (const cmd of rec.commands) {
    const n = rec.comments.filter((c) => isAnswer(c, cmd)).length;
    if (n > 0) answered++;
    duplicateAnswers += Math.max(0, n - 1);
  }

  const overlaps = overlappingPairs([...passSpans(rec), ...commandSpans(rec)]);

  let recoveredMs: number | undefined;
  if (rec.kill) {
    const { kill } = rec;
    const done = rec.calls.find(
      (c) =>
        c.at > kill.at &&
        c.replica !== kill.replica &&
        repoOf(c.path) === kill.repo.toLowerCase() &&
        dashboardPass(c) !== undefined,
    );
    if (done) recoveredMs = done.at - kill.at;
  }

  return {
    due,
    ran,
    duplicatePasses,
    duplicateIssues,
    duplicateAnswers,
    overlapping: overlaps.length,
    lostPasses: due - ran,
    commands: rec.commands.length,
    acknowledged: rec.commands.filter((c) => c.status >= 200 && c.status < 300).length,
    answered,
    outsideWindow,
    countsExact,
    countsChecked,
    countErrors,
    recoveredMs,
    overlaps,
  };
}

/** The bench's last line. */
export function summaryLine(rec: BenchRecord, f: Figures): string {
  const duplicated = f.duplicatePasses + f.duplicateIssues + f.duplicateAnswers;
  const lost = f.lostPasses + (f.commands - f.answered);
  const kill = rec.kill
    ? `, killed replica ${rec.kill.replica + 1} mid-pass: ${
        f.recoveredMs === undefined ? "not recovered" : `recovered in ${(f.recoveredMs / 1000).toFixed(1)} s`
      }`
    : "";
  return (
    `replicas ${rec.replicas}, repos ${rec.repos.length}, passes due ${f.due}, ran ${f.ran}, ` +
    `duplicated ${duplicated}, overlapping ${f.overlapping}, lost ${lost}, ` +
    `commands ${f.commands} answered ${f.answered}${kill}`
  );
}
