import { generateKeyPairSync } from "node:crypto";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import { Probot, ProbotOctokit } from "probot";
import { noRetryOctokitOptions, startFakeGitHub, type FakeGitHub } from "../../test/fake-github/index.js";
import { decodeState, encodeState, type IssueState } from "../issue-body/marker.js";
import { analyze } from "../pass/analyze.js";
import { createApp, type AppHandle } from "./create-app.js";

const { privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});
const NOW = new Date("2026-11-23T12:00:00Z");
const STEP_NAMES = ["Audit", "Plan tests", "Run tests", "Plan fix", "Fix", "Test-fix loop", "PR and closure"];

function state(patch: Partial<IssueState> = {}): IssueState {
  return {
    v: 1,
    fp: "aaaaaaaaaaaa",
    aliases: [],
    templateId: "t1",
    template: "Session access failed: <*>",
    severity: "ERROR",
    priority: "P2",
    category: "availability",
    rule: "default",
    total: 19,
    firstSeen: "2026-11-22T04:00:00.000Z",
    lastSeen: "2026-11-23T10:00:00.000Z",
    countedUpTo: "2026-11-23T10:00:00.000Z",
    recent: [],
    history: [],
    ...patch,
  };
}

function issueBody(s: IssueState = state(), ticks: boolean[] = []): string {
  const steps = STEP_NAMES.map(
    (n, i) => `- [${ticks[i] ? "x" : " "}] <!-- log-gardener:step=${i} --> **${i}. ${n}** — do it`,
  );
  return [
    "<!-- log-gardener:begin summary -->\n## Log pattern\n<!-- log-gardener:end summary -->",
    "Notes a human wrote.",
    `<!-- log-gardener:begin checklist -->\n### Remediation\n\n**Status: ACTIVE – not started**\n\n${steps.join("\n")}\n<!-- log-gardener:end checklist -->`,
    encodeState(s),
    "",
  ].join("\n\n");
}

const repository = { id: 1, name: "repo", full_name: "octo/repo", owner: { login: "octo", type: "Organization" } };
let gh: FakeGitHub;
let probot: Probot;
let handle: AppHandle;
let passes: string[];

beforeAll(() => {
  process.env.METADATA_SERVER_DETECTION = "none";
});

beforeEach(async () => {
  gh = await startFakeGitHub({ installations: [{ id: 42, account: "octo", repositories: ["octo/repo"] }] });
  gh.setPermission("maint", "maintain");
  gh.setPermission("alice", "write");
  gh.setPermission("visitor", "read");
  gh.setFile(".github/log-gardener.yml", "project: acme-prod\n", "octo/repo");
  passes = [];
  probot = new Probot({
    appId: 123,
    privateKey,
    baseUrl: gh.baseUrl,
    logLevel: "fatal",
    Octokit: ProbotOctokit.defaults(noRetryOctokitOptions()),
  });
  await probot.load(
    createApp(
      {
        scheduler: false,
        allowList: new Map([["octo/*", ["acme-prod"]]]),
        now: () => NOW,
        readLogs: async (_config, { from, to }) => {
          passes.push("read");
          return { source: "test", entries: [], malformed: [], complete: true, atLeast: 0, timeRange: { from, to } };
        },
        garden: async (a) => ({ worklog: analyze(a.source, a.config, a.now).worklog, failures: [] }),
      },
      (h) => (handle = h),
    ),
    { cwd: process.cwd(), addHandler: () => {} },
  );
});
afterEach(async () => {
  await handle.scheduler.idle();
  await gh.close();
});

function trackedIssue(body = issueBody(), init: { labels?: string[] } = {}) {
  return gh.addIssue({ title: "[P2] api: Session access failed", body, labels: ["log-gardener", "priority:P2", ...(init.labels ?? [])] });
}

async function comment(issue: number, body: string, login = "maint", type = "User") {
  const c = gh.addComment(issue, body, { user: login });
  await probot.receive({
    id: `c${c.id}`,
    name: "issue_comment",
    payload: {
      action: "created",
      issue: { number: issue, title: "t", body: "", state: "open", labels: [], user: { login: "log-gardener[bot]" } },
      comment: { id: c.id, body, user: { login, type } },
      repository,
      sender: { login, type },
      installation: { id: 42 },
    },
  } as never);
  return c;
}

const repoState = () => gh.repo("octo", "repo");
const issueOf = (n: number) => repoState().issue(n)!;
const labelsOf = (n: number) => issueOf(n).labels.map((l) => l.name).sort();
const replies = (n: number) => repoState().commentsOn(n).filter((c) => c.user.login === "log-gardener[bot]");
const markerOf = (n: number) => {
  const d = decodeState(issueOf(n).body);
  if (!d?.ok) throw new Error("no marker");
  return d.state;
};

it("debug", async () => {
  const issue = trackedIssue();
  const t0 = Date.now();
  const orig = gh.requests.push.bind(gh.requests);
  gh.requests.push = (...r) => { for (const x of r) console.log(Date.now() - t0, x.method, x.path); return orig(...r); };
  await comment(issue.number, "/garden status");
  console.log("end", Date.now() - t0);
});
