import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough, Readable } from "node:stream";
import { main } from "../../src/cli/main.js";
import { assetPath } from "../../src/assets.js";
import { startFakeGitHub, type FakeGitHub } from "../fake-github/index.js";

let gh: FakeGitHub;
beforeAll(async () => {
  gh = await startFakeGitHub();
});
afterAll(() => gh.close());

async function cli(args: string[]) {
  const stdout = new PassThrough();
  let out = "";
  stdout.on("data", (d) => (out += d));
  const stderr = new PassThrough();
  let err = "";
  stderr.on("data", (d) => (err += d));
  const code = await main(args, { stdin: Readable.from([]), stdout, stderr });
  return { code, out, err };
}

describe("log-gardener run --repo", () => {
  const logs = assetPath("examples/staging-backend.jsonl");
  const config = assetPath("examples/log-gardener.yml");
  const out = mkdtempSync(path.join(tmpdir(), "gardener-sync-cli-"));
  const syncArgs = () => [
    ...["run", "--repo", "octo/repo", "--logs", logs, "--config", config],
    ...["--github-url", gh.baseUrl, "--out", out],
  ];

  it("prints the plan and writes nothing with --dry-run", async () => {
    const { code, out: stdout } = await cli([...syncArgs(), "--dry-run"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/Plan for octo\/repo \(dry run: nothing written\): 5 action\(s\)/);
    expect(stdout.match(/^ {2}create /gm)).toHaveLength(5);
    expect(gh.writes()).toBe(0);
  });

  it("files the five demo patterns with GITHUB_TOKEN, then nothing on a rerun", async () => {
    process.env.GITHUB_TOKEN = "t";
    try {
      const args = syncArgs();
      expect((await cli(args)).code).toBe(0);
      expect(gh.repo("octo", "repo").issues).toHaveLength(5);
      gh.clearRequests();
      expect((await cli(args)).code).toBe(0);
      expect(gh.writes()).toBe(0);
    } finally {
      delete process.env.GITHUB_TOKEN;
    }
    // the CLI's client keeps production pacing (about 3 s between creates): five creates need room
  }, 60_000);

  it("refuses a malformed --repo with exit 2", async () => {
    const { code, err } = await cli(["run", "--repo", "octo", "--logs", logs, "--dry-run", "--out", out]);
    expect(code).toBe(2);
    expect(err).toContain("expected owner/name");
  });

  it("refuses plain text with --repo: without timestamps and ids, counts could not be kept", async () => {
    const text = path.join(out, "plain.txt");
    writeFileSync(text, "Session access failed: 1\nSession access failed: 2\n");
    const { code, err } = await cli([
      "run",
      "--repo",
      "octo/repo",
      "--logs",
      text,
      "--dry-run",
      "--out",
      out,
    ]);
    expect(code).toBe(2);
    expect(err).toContain("plain text has no timestamps or insert ids");
    expect(gh.writes()).toBe(0);
  });

  it("keeps stdout pure JSON with --json", async () => {
    const { code, out: stdout } = await cli([...syncArgs(), "--dry-run", "--json"]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).clusters).toHaveLength(5);
  });
});
