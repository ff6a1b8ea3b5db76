/**
 * The Action's entry run the way a runner runs it: INPUT_* and GITHUB_* variables, the output and step
 * summary files in a temp dir, against the fake GitHub. In process, so the client can skip GitHub's
 * pacing of issue creation (test/action/bundle.test.ts runs the committed bundle as a child process).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ProbotOctokit } from "probot";
import { parse } from "yaml";
import { assetPath } from "../assets.js";
import { fastOctokitOptions, startFakeGitHub, type FakeGitHub } from "../../test/fake-github/index.js";
import { DEFAULT_CONFIG } from "./inputs.js";
import { runAction } from "./run.js";

const NOW = "2026-11-23T10:00:00Z"; // just after the sample's last entry
let gh: FakeGitHub;
let dir: string;
const saved = { ...process.env };

beforeAll(async () => {
  gh = await startFakeGitHub();
});
afterAll(() => gh.close());

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "gardener-action-"));
  mkdirSync(path.join(dir, "workspace/.github"), { recursive: true });
  copyFileSync(assetPath("examples/log-gardener.yml"), path.join(dir, "workspace/.github/log-gardener.yml"));
  copyFileSync(assetPath("examples/staging-backend.jsonl"), path.join(dir, "workspace/logs.jsonl"));
});
afterEach(() => {
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
});

/** One step run: the runner's variables, fresh output and summary files; returns what the step left. */
async function step(inputs: Record<string, string>, env: Record<string, string> = {}) {
  const output = path.join(dir, `output-${Math.random().toString(36).slice(2)}`);
  const summary = path.join(dir, `summary-${Math.random().toString(36).slice(2)}`);
  writeFileSync(output, "");
  writeFileSync(summary, "");
  Object.assign(process.env, {
    "INPUT_GITHUB-TOKEN": "t",
    INPUT_CONFIG: ".github/log-gardener.yml",
    "INPUT_DRY-RUN": "false",
    ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
    GITHUB_REPOSITORY: "octo/repo",
    GITHUB_API_URL: gh.baseUrl,
    GITHUB_WORKSPACE: path.join(dir, "workspace"),
    GITHUB_OUTPUT: output,
    GITHUB_STEP_SUMMARY: summary,
    RUNNER_TEMP: path.join(dir, "runner-temp"),
    LOG_GARDENER_NOW: NOW,
    ...env,
  });
  let stdout = "";
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  }) as typeof process.stdout.write;
  let code: number;
  try {
    code = await runAction({
      github: (token, baseUrl) =>
        new ProbotOctokit({ ...(token ? { auth: { token } } : {}), baseUrl, ...fastOctokitOptions() }),
    });
  } finally {
    process.stdout.write = write;
  }
  return {
    code,
    stdout,
    outputs: parseOutputs(readFileSync(output, "utf8")),
    summary: readFileSync(summary, "utf8"),
  };
}

/** GITHUB_OUTPUT's `name<<delimiter … delimiter` records. */
function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const re = /^(.+?)<<(.+)\n([\s\S]*?)\n\2$/gm;
  for (const m of text.matchAll(re)) outputs[m[1]!] = m[3]!;
  return outputs;
}

/** A maintainer ticks remediation steps in an issue's body. */
function tick(number: number, steps: number[], repo: string): void {
  const issue = gh.repo(...(repo.split("/") as [string, string])).issue(number)!;
  const body = steps.reduce(
    (b, n) => b.replace(`- [ ] <!-- log-gardener:step=${n} -->`, `- [x] <!-- log-gardener:step=${n} -->`),
    issue.body ?? "",
  );
  gh.updateIssue(number, { body }, { repo, actor: "maintainer" });
}

const writes = () =>
  gh.requests
    .filter((r) => !["GET", "HEAD"].includes(r.method))
    .map((r) => `${r.method} ${r.path} ${r.status}`);

describe("the Action on the sample logs", () => {
  it("files the sample's patterns once: outputs, job summary, no dashboard; a second run writes nothing", async () => {
    gh.setTime(NOW);
    const first = await step({ logs: "logs.jsonl" });
    expect(first.stdout).not.toMatch(/^::error/m);
    expect(first.code).toBe(0);
    const issues = gh.repo("octo", "repo").issues;
    expect(issues).toHaveLength(5);
    expect(issues.every((i) => i.labels.some((l) => l.name === "log-gardener"))).toBe(true);
    expect(issues.some((i) => i.labels.some((l) => l.name === "log-gardener:dashboard"))).toBe(false);
    expect(first.outputs).toMatchObject({ created: "5", updated: "0", reopened: "0", patterns: "5" });
    expect(first.outputs.worklog).toBe(path.join(dir, "runner-temp/log-gardener/worklog.md"));
    expect(readFileSync(first.outputs.worklog!, "utf8")).toBe(first.summary);
    expect(first.summary).toMatch(/^# Log Gardener worklog/);
    expect(first.summary).toContain("**5 pattern(s)**");
    for (const issue of issues) expect(first.summary).toContain(`#${issue.number} (created)`);
    // the plan and summary are log text: the runner is told not to read commands in them
    expect(first.stdout).toMatch(/^::stop-commands::([0-9a-f-]{36})\n[\s\S]*^::\1::$/m);

    gh.clearRequests();
    const second = await step({ logs: "logs.jsonl" });
    expect(second.code).toBe(0);
    expect(second.outputs).toMatchObject({ created: "0", updated: "0", reopened: "0", patterns: "5" });
    // the only write request is the issues: write check, which GitHub refuses because the label exists
    expect(writes()).toEqual(["POST /repos/octo/repo/labels 422"]);
    expect(gh.repo("octo", "repo").issues).toHaveLength(5);
  });

  it("checklist ticks made between runs are kept, and the next scheduled run's status line follows them", async () => {
    const env = { GITHUB_REPOSITORY: "octo/ticks" };
    gh.setTime(NOW);
    expect((await step({ logs: "logs.jsonl" }, env)).code).toBe(0);
    const repo = gh.repo("octo", "ticks");
    const [first, second, third] = repo.issues;
    gh.setTime("2026-11-23T10:30:00Z");
    tick(first!.number, [0, 1], "octo/ticks");
    tick(second!.number, [0], "octo/ticks");
    // an hour later the same patterns occur again
    const later = readFileSync(path.join(dir, "workspace/logs.jsonl"), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => {
        const e = JSON.parse(line) as { insertId: string; timestamp: string };
        const timestamp = new Date(Date.parse(e.timestamp) + 3_600_000).toISOString();
        return JSON.stringify({ ...e, insertId: `${e.insertId}-b`, timestamp });
      });
    writeFileSync(path.join(dir, "workspace/later.jsonl"), `${later.join("\n")}\n`);
    gh.setTime("2026-11-23T11:00:00Z");
    const { code, outputs } = await step(
      { logs: "later.jsonl" },
      { ...env, LOG_GARDENER_NOW: "2026-11-23T11:00:00Z" },
    );
    expect(code).toBe(0);
    expect(outputs).toMatchObject({ created: "0", updated: "5" });
    const body = (n: number) => repo.issue(n)!.body ?? "";
    expect(body(first!.number)).toContain("**Status: ACTIVE – step 1 complete**");
    expect(body(first!.number)).toContain("- [x] <!-- log-gardener:step=1 -->");
    expect(body(second!.number)).toContain("**Status: ACTIVE – step 0 complete**");
    expect(body(third!.number)).toContain("**Status: ACTIVE – not started**");
  });

  it("a box ticked on a pattern that stopped occurring shows in the status line of the next run", async () => {
    const env = { GITHUB_REPOSITORY: "octo/quiet" };
    gh.setTime(NOW);
    expect((await step({ logs: "logs.jsonl" }, env)).code).toBe(0);
    const repo = gh.repo("octo", "quiet");
    const issue = repo.issues[0]!;
    gh.setTime("2026-11-23T10:30:00Z");
    tick(issue.number, [0], "octo/quiet");
    gh.setTime("2026-11-23T11:00:00Z");
    // the same export again: nothing new is counted
    const { code, outputs } = await step(
      { logs: "logs.jsonl" },
      { ...env, LOG_GARDENER_NOW: "2026-11-23T11:00:00Z" },
    );
    expect(code).toBe(0);
    expect(outputs).toMatchObject({ created: "0", updated: "1" });
    expect(repo.issue(issue.number)!.body).toContain("**Status: ACTIVE – step 0 complete**");
  });

  it("dry-run: the plan in the log, nothing written, no write check", async () => {
    gh.clearRequests();
    const before = gh.repo("octo", "dry").issues.length;
    const { code, stdout, outputs } = await step(
      { logs: "logs.jsonl", "dry-run": "true" },
      { GITHUB_REPOSITORY: "octo/dry" },
    );
    expect(code).toBe(0);
    expect(stdout).toMatch(/Plan for octo\/dry \(dry run: nothing written\): 5 action\(s\)/);
    expect(outputs).toMatchObject({ created: "0", patterns: "5" });
    expect(writes()).toEqual([]);
    expect(gh.repo("octo", "dry").issues).toHaveLength(before);
  });

  it("action.yml declares exactly the inputs the entry reads and the outputs it sets, on node24", async () => {
    const action = parse(readFileSync(assetPath("action.yml"), "utf8")) as {
      inputs: Record<string, { default?: string }>;
      outputs: Record<string, unknown>;
      runs: { using: string; main: string };
    };
    expect(Object.keys(action.inputs).sort()).toEqual(
      ["config", "dry-run", "github-token", "logs", "project", "since"].sort(),
    );
    expect(action.inputs["github-token"]!.default).toBe("${{ github.token }}");
    expect(action.inputs.config!.default).toBe(DEFAULT_CONFIG);
    expect(action.inputs["dry-run"]!.default).toBe("false");
    const { outputs } = await step(
      { logs: "logs.jsonl", "dry-run": "true" },
      { GITHUB_REPOSITORY: "octo/dry" },
    );
    expect(Object.keys(action.outputs).sort()).toEqual(Object.keys(outputs).sort());
    expect(action.runs.using).toBe("node24");
    expect(existsSync(assetPath(action.runs.main))).toBe(true);
  });

  it("a dry-run value other than true or false fails the step before any request", async () => {
    gh.clearRequests();
    const { code, stdout } = await step({ logs: "logs.jsonl", "dry-run": "maybe" });
    expect(code).toBe(1);
    expect(stdout.split("\n").filter((l) => l.startsWith("::error"))).toEqual([
      '::error::dry-run: expected true or false, got "maybe"',
    ]);
    expect(gh.requests).toEqual([]);
  });

  it("an empty github-token fails the step before any request, unless it is a dry run", async () => {
    gh.clearRequests();
    const { code, stdout } = await step({ logs: "logs.jsonl", "github-token": "" });
    expect(code).toBe(1);
    expect(stdout.split("\n").filter((l) => l.startsWith("::error"))).toEqual([
      "::error::github-token is empty: pass a token with issues: write (the default is github.token)",
    ]);
    expect(gh.requests).toEqual([]);
    const dry = await step(
      { logs: "logs.jsonl", "github-token": "", "dry-run": "true" },
      { GITHUB_REPOSITORY: "octo/dry" },
    );
    expect(dry.code).toBe(0);
    expect(writes()).toEqual([]);
  });

  it("without a config file it runs on the defaults, and asks for a project when it has none", async () => {
    gh.clearRequests();
    const bare = mkdtempSync(path.join(tmpdir(), "gardener-bare-"));
    const { code, stdout } = await step({}, { GITHUB_WORKSPACE: bare, GITHUB_REPOSITORY: "octo/bare" });
    expect(code).toBe(1);
    expect(stdout).toContain("No .github/log-gardener.yml in the repository: using the defaults");
    expect(stdout.split("\n").filter((l) => l.startsWith("::error"))).toEqual([
      "::error::no Google Cloud project: set `project` in the config or the `project` input " +
        "(and check that actions/checkout runs before this step)",
    ]);
    expect(gh.requests).toEqual([]);
  });

  it("a config input naming a missing file fails the step before any request", async () => {
    gh.clearRequests();
    const { code, stdout } = await step({ config: "ci/gardener.yml", logs: "logs.jsonl" });
    expect(code).toBe(1);
    expect(stdout).toMatch(/^::error::config ci\/gardener\.yml not found in the workspace/m);
    expect(gh.requests).toEqual([]);
  });
});
