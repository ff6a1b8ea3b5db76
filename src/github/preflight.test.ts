import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { ProbotOctokit } from "probot";
import { fastOctokitOptions, startFakeGitHub, type FakeGitHub } from "../../test/fake-github/index.js";
import { AccessError, checkIssueWriteAccess } from "./preflight.js";

let gh: FakeGitHub;
beforeEach(async () => {
  gh = await startFakeGitHub({ repos: ["octo/repo"] });
});
afterEach(() => gh.close());

const client = (token = "t") =>
  new ProbotOctokit({ auth: { token }, baseUrl: gh.baseUrl, ...fastOctokitOptions() });
const check = (token?: string, repo = "repo") =>
  checkIssueWriteAccess(client(token), { owner: "octo", repo }, "log-gardener");
const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => "ok",
    (e: unknown) => (e instanceof AccessError ? e.code : `unexpected: ${String(e)}`),
  );

describe("the issues: write check", () => {
  it("passes without writing anything when the bot's label exists (GitHub answers 422)", async () => {
    gh.addLabel("log-gardener", "0e8a16");
    await expect(check()).resolves.toBeUndefined();
    expect(gh.calls()).toEqual(["GET /repos/octo/repo", "POST /repos/octo/repo/labels"]);
    expect(gh.requests.at(-1)!.status).toBe(422);
    expect(gh.repo("octo", "repo").labels.map((l) => l.name)).toEqual(["log-gardener"]);
  });

  it("creates the bot's label on a repo that never had it", async () => {
    await expect(check()).resolves.toBeUndefined();
    expect(gh.repo("octo", "repo").label("log-gardener")).toMatchObject({ color: "0e8a16" });
  });

  it("refuses a token without issues: write, and nothing is written", async () => {
    gh.setTokenPermissions("ro", { issues: "read", contents: "read" });
    expect(await codeOf(check("ro"))).toBe("NO_ISSUES_WRITE");
    expect(gh.repo("octo", "repo").labels).toEqual([]);
  });

  it("names an unknown repo, disabled issues and an archived repo", async () => {
    expect(await codeOf(check("t", "gone"))).toBe("REPO_NOT_FOUND");
    gh.repo("octo", "repo").hasIssues = false;
    expect(await codeOf(check())).toBe("ISSUES_DISABLED");
    gh.repo("octo", "repo").hasIssues = true;
    gh.repo("octo", "repo").archived = true;
    expect(await codeOf(check())).toBe("ARCHIVED");
    expect(gh.writes()).toBe(0);
  });
});
