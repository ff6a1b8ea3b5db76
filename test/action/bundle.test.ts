/**
 * The committed bundle, run as a runner runs it: `node dist/index.mjs` from a directory holding only
 * action.yml and dist/ (no node_modules anywhere above it), with the runner's variables and files,
 * against the fake GitHub and the fake Cloud Logging gRPC server. It also checks that dist/ is what the
 * sources give, so a stale bundle fails here with the command that fixes it.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { assetPath } from "../../src/assets.js";
import { startFakeGitHub, type FakeGitHub } from "../fake-github/index.js";
import { startFakeLogging, type FakeLogging, type SimpleEntry } from "../fake-logging-server.js";

const run = promisify(execFile);
const NOW = "2026-11-23T10:00:00Z";
const CONFIG = [
  "project: acme-staging",
  "severity: WARNING",
  "resource:",
  "  type: cloud_run_revision",
  "  services: [checkout]",
  "window: 6h",
  "",
].join("\n");

let dir: string;
let gh: FakeGitHub;
let logging: FakeLogging;

function entries(): SimpleEntry[] {
  return [11, 12, 13].map((minute, i) => ({
    insertId: `pay-${i}`,
    timestamp: `2026-11-23T09:${minute}:00.250Z`,
    severity: "ERROR",
    resource: { type: "cloud_run_revision", labels: { service_name: "checkout" } },
    jsonPayload: { message: `Payment provider timed out after ${3000 + i} ms for order ${48213 + i}` },
  }));
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "gardener-bundle-"));
  cpSync(assetPath("action.yml"), path.join(dir, "action/action.yml"));
  cpSync(assetPath("dist"), path.join(dir, "action/dist"), { recursive: true });
  mkdirSync(path.join(dir, "workspace/.github"), { recursive: true });
  mkdirSync(path.join(dir, "home"));
  gh = await startFakeGitHub();
  gh.setTime(NOW);
  logging = await startFakeLogging({ entries: entries() });
});
afterAll(async () => {
  await gh.close();
  await logging.close();
});

interface Step {
  code: number;
  stdout: string;
  stderr: string;
  errors: string[];
  outputs: string;
  summary: string;
}

/** Runs the copied bundle once as a workflow step; `env` adds to or overrides the runner's variables. */
async function step(config: string, env: Record<string, string | undefined> = {}): Promise<Step> {
  writeFileSync(path.join(dir, "workspace/.github/log-gardener.yml"), config);
  const id = Math.random().toString(36).slice(2);
  const output = path.join(dir, `output-${id}`);
  const summary = path.join(dir, `summary-${id}`);
  writeFileSync(output, "");
  writeFileSync(summary, "");
  const vars: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: path.join(dir, "home"),
    METADATA_SERVER_DETECTION: "none",
    "INPUT_GITHUB-TOKEN": "t",
    INPUT_CONFIG: ".github/log-gardener.yml",
    "INPUT_DRY-RUN": "false",
    GITHUB_REPOSITORY: "octo/repo",
    GITHUB_API_URL: `${gh.baseUrl}/api/v3`,
    GITHUB_WORKSPACE: path.join(dir, "workspace"),
    GITHUB_OUTPUT: output,
    GITHUB_STEP_SUMMARY: summary,
    RUNNER_TEMP: path.join(dir, `runner-${id}`),
    GARDENER_LOGGING_ENDPOINT: `127.0.0.1:${logging.port}`,
    LOG_GARDENER_NOW: NOW,
    ...env,
  };
  const clean = Object.fromEntries(
    Object.entries(vars).filter(([, v]) => v !== undefined),
  ) as NodeJS.ProcessEnv;
  const result = await run(process.execPath, [path.join(dir, "action/dist/index.mjs")], {
    cwd: path.join(dir, "workspace"),
    env: clean,
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      stdout: e.stdout,
      stderr: e.stderr,
    }),
  );
  return {
    ...result,
    errors: result.stdout.split("\n").filter((line) => line.startsWith("::error")),
    outputs: readFileSync(output, "utf8"),
    summary: readFileSync(summary, "utf8"),
  };
}

const writes = () =>
  gh.requests
    .filter((r) => !["GET", "HEAD"].includes(r.method))
    .map((r) => `${r.method} ${r.path} ${r.status}`);

describe("the committed bundle", () => {
  it("is what the sources give (else: run `npm run bundle` and commit dist/)", async () => {
    const check = await run(process.execPath, [assetPath("scripts/bundle.mjs"), "--check"]).then(
      ({ stdout, stderr }) => ({ code: 0, text: stdout + stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, text: e.stdout + e.stderr }),
    );
    expect(check.text).toBe("dist/ is up to date with its sources\n");
    expect(check.code).toBe(0);
  });

  it("runs from a directory with no node_modules: reads Cloud Logging over gRPC, files once, then writes nothing", async () => {
    for (let d = path.join(dir, "action"); d !== path.dirname(d); d = path.dirname(d)) {
      expect(existsSync(path.join(d, "node_modules"))).toBe(false);
    }
    const first = await step(CONFIG);
    expect(first.errors).toEqual([]);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(logging.requests).toHaveLength(1);
    expect(logging.requests[0]!.resourceNames).toEqual(["projects/acme-staging"]);
    expect(logging.requests[0]!.filter).toBe(
      'resource.type="cloud_run_revision" AND (resource.labels.service_name="checkout") AND severity>=WARNING ' +
        'AND timestamp>="2026-11-23T04:00:00.000Z" AND timestamp<"2026-11-23T10:00:00.000Z"',
    );
    const issues = gh.repo("octo", "repo").issues;
    expect(issues).toHaveLength(1);
    expect(issues[0]!.title).toContain("Payment provider timed out");
    expect(issues[0]!.body).toContain("3"); // occurrences
    expect(gh.requests.every((r) => r.ghePrefix)).toBe(true); // GITHUB_API_URL of a GitHub Enterprise Server
    expect(first.outputs).toMatch(/^created<<(.+)\n1\n\1$/m);
    expect(first.outputs).toMatch(/^patterns<<(.+)\n1\n\1$/m);
    expect(first.summary).toContain(`#${issues[0]!.number} (created)`);

    gh.clearRequests();
    const second = await step(CONFIG);
    expect(second.errors).toEqual([]);
    expect(second.code).toBe(0);
    expect(logging.requests).toHaveLength(2);
    expect(writes()).toEqual(["POST /repos/octo/repo/labels 422"]); // the write check; GitHub writes nothing
    expect(second.outputs).toMatch(/^created<<(.+)\n0\n\1$/m);
    expect(second.outputs).toMatch(/^updated<<(.+)\n0\n\1$/m);
  });

  it("a broken config fails the step with one ::error on its file and line; nothing is read or written", async () => {
    gh.clearRequests();
    const before = logging.requests.length;
    const { code, errors } = await step(CONFIG.replace("severity: WARNING", "severity: LOUD"));
    expect(code).toBe(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^::error file=\.github\/log-gardener\.yml,line=2,col=11::Invalid Log Gardener config:%0Aseverity: /,
    );
    expect(gh.requests).toEqual([]);
    expect(logging.requests).toHaveLength(before);
  });

  it("missing Google credentials fail the step with one ::error; nothing is read or written", async () => {
    gh.clearRequests();
    const before = logging.requests.length;
    const { code, errors } = await step(CONFIG, { GARDENER_LOGGING_ENDPOINT: undefined });
    expect(code).toBe(1);
    expect(errors).toEqual([
      "::error::No Google credentials: add a google-github-actions/auth step before this one (Workload Identity " +
        "Federation; the job needs `permissions: id-token: write`), or give the `logs` input an exported log file",
    ]);
    expect(gh.requests).toEqual([]);
    expect(logging.requests).toHaveLength(before);
  });

  it("a token without issues: write fails the step with one ::error; no log is read, nothing is written", async () => {
    gh.clearRequests();
    gh.setTokenPermissions("read-only", { issues: "read", contents: "read" });
    const before = logging.requests.length;
    const issues = gh.repo("octo", "repo").issues.map((i) => i.updated_at);
    const { code, errors } = await step(CONFIG, { "INPUT_GITHUB-TOKEN": "read-only" });
    expect(code).toBe(1);
    expect(errors).toEqual([
      "::error::The token can't write issues in octo/repo (HTTP 403): give it issues: write " +
        "(in a workflow, `permissions: { issues: write }`; a fine-grained token needs Issues: read and write)",
    ]);
    expect(writes()).toEqual(["POST /repos/octo/repo/labels 403"]);
    expect(gh.repo("octo", "repo").issues.map((i) => i.updated_at)).toEqual(issues);
    expect(logging.requests).toHaveLength(before);
  });
});
