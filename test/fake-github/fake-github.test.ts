/**
 * Self-test of the fake GitHub REST API, through the real clients: ProbotOctokit (retry, throttling,
 * paginate, config plugins) and Probot itself (app JWT → installation token → context.config).
 */
import { generateKeyPairSync } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { Probot, ProbotOctokit, type Context } from "probot";
import {
  fastOctokitOptions,
  fastProbotOctokit,
  noRetryOctokitOptions,
  startFakeGitHub,
  type FakeGitHub,
  type LimitHandler,
} from "./index.js";

const owner = "octo";
const repo = "repo";

let gh: FakeGitHub;

beforeEach(async () => {
  gh = await startFakeGitHub();
});
afterEach(async () => {
  await gh.close();
});

function client(extra: Record<string, unknown> = {}) {
  return new ProbotOctokit({ auth: { token: "t" }, baseUrl: gh.baseUrl, ...fastOctokitOptions(), ...extra });
}

function errorOf(p: Promise<unknown>): Promise<{ status: number; response?: { data: unknown } }> {
  return p.then(
    () => {
      throw new Error("expected the request to fail");
    },
    (e: { status: number; response?: { data: unknown } }) => e,
  );
}

describe("issues", () => {
  it("pages 250 issues with Link headers: octokit.paginate makes 3 requests and gets every issue", async () => {
    for (let i = 1; i <= 250; i++)
      gh.addIssue({ title: `issue ${i}`, labels: i % 2 ? ["log-gardener"] : [] });
    const octokit = client();

    const first = await octokit.rest.issues.listForRepo({ owner, repo, state: "all", per_page: 100 });
    expect(first.data).toHaveLength(100);
    expect(first.data[0].number).toBe(250); // default sort: created, desc
    const base = `${gh.baseUrl}/repos/octo/repo/issues`;
    expect(first.headers.link).toBe(
      `<${base}?state=all&per_page=100&page=2>; rel="next", <${base}?state=all&per_page=100&page=3>; rel="last"`,
    );
    gh.clearRequests();

    const all = await octokit.paginate(octokit.rest.issues.listForRepo, {
      owner,
      repo,
      state: "all",
      per_page: 100,
    });
    expect(all).toHaveLength(250);
    expect(new Set(all.map((i) => i.number)).size).toBe(250);
    expect(gh.calls()).toEqual([
      "GET /repos/octo/repo/issues",
      "GET /repos/octo/repo/issues",
      "GET /repos/octo/repo/issues",
    ]);
    expect(gh.requests.map((r) => r.query.page)).toEqual([undefined, "2", "3"]);
    expect(gh.reads()).toBe(3);
    expect(gh.writes()).toBe(0);

    const labelled = await octokit.paginate(octokit.rest.issues.listForRepo, {
      owner,
      repo,
      state: "all",
      labels: "log-gardener",
      per_page: 100,
    });
    expect(labelled).toHaveLength(125);
    expect(labelled.every((i) => i.number % 2 === 1)).toBe(true);
  });

  it("caps per_page at 100, filters by state, all labels, since, and sorts", async () => {
    gh.setTime("2026-01-01T00:00:00Z");
    gh.addIssue({ title: "a", labels: ["x", "y"] });
    gh.advanceTime(60_000);
    gh.addIssue({ title: "b", labels: ["x"] });
    gh.advanceTime(60_000);
    gh.addIssue({ title: "c", labels: ["Y", "X"], state: "closed", state_reason: "not_planned" });
    gh.advanceTime(60_000);
    gh.updateIssue(1, { body: "edited" });
    const octokit = client();
    const titles = async (params: Record<string, unknown>) =>
      (await octokit.request("GET /repos/{owner}/{repo}/issues", { owner, repo, ...params })).data.map(
        (i: { title: string }) => i.title,
      );

    expect(await titles({})).toEqual(["b", "a"]); // default state=open
    expect(await titles({ state: "closed" })).toEqual(["c"]);
    expect(await titles({ state: "all", labels: "x,y" })).toEqual(["c", "a"]);
    expect(await titles({ state: "all", sort: "created", direction: "asc" })).toEqual(["a", "b", "c"]);
    expect(await titles({ state: "all", sort: "updated" })).toEqual(["a", "c", "b"]);
    expect(await titles({ state: "all", since: "2026-01-01T00:02:30Z" })).toEqual(["a"]);

    for (let i = 0; i < 150; i++) gh.addIssue({ title: `more ${i}` });
    const big = await octokit.rest.issues.listForRepo({ owner, repo, per_page: 500 });
    expect(big.data).toHaveLength(100);
  });

  it("creates, updates, closes with a state_reason and reopens, with GitHub's fields", async () => {
    gh.setTime("2026-03-01T10:00:00.123Z");
    const octokit = client();
    const created = await octokit.rest.issues.create({
      owner,
      repo,
      title: "[P3] svc: boom",
      body: "<!-- log-gardener:fp=abc -->\nhello",
      labels: ["log-gardener", "priority:P3"],
    });
    expect(created.status).toBe(201);
    const issue = created.data;
    expect(issue).toMatchObject({
      number: 1,
      title: "[P3] svc: boom",
      state: "open",
      state_reason: null,
      locked: false,
      comments: 0,
      closed_at: null,
      created_at: "2026-03-01T10:00:00Z",
      updated_at: "2026-03-01T10:00:00Z",
      html_url: "https://github.com/octo/repo/issues/1",
      user: { login: "log-gardener[bot]", type: "Bot" },
    });
    expect(typeof issue.id).toBe("number");
    expect(typeof issue.node_id).toBe("string");
    expect(issue).not.toHaveProperty("pull_request");
    // unknown labels were created on the fly, like GitHub does
    expect(issue.labels.map((l) => (typeof l === "string" ? l : l.name))).toEqual([
      "log-gardener",
      "priority:P3",
    ]);
    expect(gh.repo(owner, repo).labels.map((l) => [l.name, l.color])).toEqual([
      ["log-gardener", "ededed"],
      ["priority:P3", "ededed"],
    ]);

    gh.advanceTime(3600_000);
    const closed = await octokit.rest.issues.update({
      owner,
      repo,
      issue_number: 1,
      state: "closed",
      state_reason: "not_planned",
    });
    expect(closed.data).toMatchObject({
      state: "closed",
      state_reason: "not_planned",
      closed_at: "2026-03-01T11:00:00Z",
      updated_at: "2026-03-01T11:00:00Z",
    });

    const reopened = await octokit.rest.issues.update({ owner, repo, issue_number: 1, state: "open" });
    expect(reopened.data).toMatchObject({ state: "open", state_reason: "reopened", closed_at: null });

    const completed = await octokit.rest.issues.update({ owner, repo, issue_number: 1, state: "closed" });
    expect(completed.data.state_reason).toBe("completed");

    const edited = await octokit.rest.issues.update({
      owner,
      repo,
      issue_number: 1,
      title: "new title",
      body: "new body",
      labels: ["log-gardener"],
    });
    expect(edited.data).toMatchObject({ title: "new title", body: "new body", state: "closed" });
    expect(
      gh
        .repo(owner, repo)
        .issue(1)
        ?.labels.map((l) => l.name),
    ).toEqual(["log-gardener"]);

    const got = await octokit.rest.issues.get({ owner, repo, issue_number: 1 });
    expect(got.data.title).toBe("new title");
    expect(await errorOf(octokit.rest.issues.get({ owner, repo, issue_number: 99 }))).toMatchObject({
      status: 404,
    });
    expect(gh.writes()).toBe(5);
  });

  it("answers 422 with GitHub's validation shape for a body over 65536, a title over 256, no title", async () => {
    const octokit = client();
    const longBody = await errorOf(
      octokit.rest.issues.create({ owner, repo, title: "t", body: "x".repeat(65537) }),
    );
    expect(longBody.status).toBe(422);
    expect(longBody.response?.data).toMatchObject({
      message: "Validation Failed",
      errors: [
        { resource: "Issue", field: "body", code: "custom", message: expect.stringContaining("too long") },
      ],
    });
    const longTitle = await errorOf(octokit.rest.issues.create({ owner, repo, title: "t".repeat(257) }));
    expect(longTitle.status).toBe(422);
    expect(longTitle.response?.data).toMatchObject({ errors: [{ field: "title" }] });
    const noTitle = await errorOf(
      octokit.request("POST /repos/{owner}/{repo}/issues", { owner, repo, body: "b" } as never),
    );
    expect(noTitle.status).toBe(422);

    // exactly at the limits is fine
    await octokit.rest.issues.create({ owner, repo, title: "t".repeat(256), body: "x".repeat(65536) });
    expect(gh.repo(owner, repo).issues).toHaveLength(1);
    const longEdit = await errorOf(
      octokit.rest.issues.update({ owner, repo, issue_number: 1, title: "ok", body: "y".repeat(65537) }),
    );
    expect(longEdit.status).toBe(422);
    expect(gh.repo(owner, repo).issue(1)?.title).toBe("t".repeat(256)); // nothing applied
  });

  it("authors issues as a seeded human when the token belongs to one", async () => {
    gh.setTokenUser("human-token", "alice");
    gh.setPermission("alice", "write");
    const octokit = new ProbotOctokit({ auth: { token: "human-token" }, baseUrl: gh.baseUrl });
    const { data } = await octokit.rest.issues.create({ owner, repo, title: "by hand" });
    expect(data.user).toMatchObject({ login: "alice", type: "User" });
    expect(data.author_association).toBe("COLLABORATOR");
  });
});

describe("comments, reactions, labels, permissions, contents", () => {
  it("lists (paged), creates, edits and deletes comments; counts them on the issue", async () => {
    gh.addIssue({ title: "t" });
    for (let i = 0; i < 3; i++) gh.addComment(1, `seed ${i}`, { user: "bob" });
    const octokit = client();
    const { data: c } = await octokit.rest.issues.createComment({ owner, repo, issue_number: 1, body: "hi" });
    expect(c).toMatchObject({ body: "hi", user: { login: "log-gardener[bot]", type: "Bot" } });
    expect(c.html_url).toBe(`https://github.com/octo/repo/issues/1#issuecomment-${c.id}`);

    const page1 = await octokit.rest.issues.listComments({ owner, repo, issue_number: 1, per_page: 2 });
    expect(page1.data.map((x) => x.body)).toEqual(["seed 0", "seed 1"]);
    expect(page1.headers.link).toContain('rel="next"');
    const all = await octokit.paginate(octokit.rest.issues.listComments, {
      owner,
      repo,
      issue_number: 1,
      per_page: 2,
    });
    expect(all.map((x) => x.body)).toEqual(["seed 0", "seed 1", "seed 2", "hi"]);
    expect((await octokit.rest.issues.get({ owner, repo, issue_number: 1 })).data.comments).toBe(4);

    await octokit.rest.issues.updateComment({ owner, repo, comment_id: c.id, body: "edited" });
    expect(gh.repo(owner, repo).comment(c.id)?.body).toBe("edited");
    await octokit.rest.issues.deleteComment({ owner, repo, comment_id: c.id });
    expect(
      gh
        .repo(owner, repo)
        .commentsOn(1)
        .map((x) => x.body),
    ).toEqual(["seed 0", "seed 1", "seed 2"]);
    expect(await errorOf(octokit.rest.issues.deleteComment({ owner, repo, comment_id: c.id }))).toMatchObject(
      {
        status: 404,
      },
    );
    const tooLong = await errorOf(
      octokit.rest.issues.createComment({ owner, repo, issue_number: 1, body: "z".repeat(65537) }),
    );
    expect(tooLong.status).toBe(422);
  });

  it("adds reactions to comments and issues (201 new, 200 again, 422 unknown content)", async () => {
    gh.addIssue({ title: "t" });
    const comment = gh.addComment(1, "/garden status", { user: "alice" });
    const octokit = client();
    const r1 = await octokit.rest.reactions.createForIssueComment({
      owner,
      repo,
      comment_id: comment.id,
      content: "eyes",
    });
    expect(r1.status).toBe(201);
    expect(r1.data).toMatchObject({ content: "eyes", user: { login: "log-gardener[bot]" } });
    const r2 = await octokit.rest.reactions.createForIssueComment({
      owner,
      repo,
      comment_id: comment.id,
      content: "eyes",
    });
    expect(r2.status).toBe(200);
    expect(r2.data.id).toBe(r1.data.id);
    await octokit.rest.reactions.createForIssue({ owner, repo, issue_number: 1, content: "+1" });
    expect(
      gh
        .repo(owner, repo)
        .comment(comment.id)
        ?.reactions.map((r) => r.content),
    ).toEqual(["eyes"]);
    expect(
      gh
        .repo(owner, repo)
        .issue(1)
        ?.reactions.map((r) => r.content),
    ).toEqual(["+1"]);
    const bad = await errorOf(
      octokit.request("POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions", {
        owner,
        repo,
        comment_id: comment.id,
        content: "party",
      } as never),
    );
    expect(bad.status).toBe(422);
  });

  it("manages repo labels and issue labels like GitHub", async () => {
    const octokit = client();
    const created = await octokit.rest.issues.createLabel({
      owner,
      repo,
      name: "priority:P1",
      color: "B60205",
      description: "Priority 1",
    });
    expect(created.status).toBe(201);
    expect(created.data).toMatchObject({ name: "priority:P1", color: "b60205", description: "Priority 1" });
    const dup = await errorOf(
      octokit.rest.issues.createLabel({ owner, repo, name: "Priority:p1", color: "000000" }),
    );
    expect(dup.status).toBe(422);
    expect(dup.response?.data).toMatchObject({
      errors: [{ resource: "Label", code: "already_exists", field: "name" }],
    });
    const badColor = await errorOf(
      octokit.rest.issues.createLabel({ owner, repo, name: "x", color: "#ffffff" }),
    );
    expect(badColor.status).toBe(422);

    expect((await octokit.rest.issues.getLabel({ owner, repo, name: "priority:P1" })).data.name).toBe(
      "priority:P1",
    );
    expect(await errorOf(octokit.rest.issues.getLabel({ owner, repo, name: "nope" }))).toMatchObject({
      status: 404,
    });
    const upd = await octokit.rest.issues.updateLabel({ owner, repo, name: "priority:P1", color: "00ff00" });
    expect(upd.data.color).toBe("00ff00");

    gh.addIssue({ title: "t", labels: ["priority:P1"] });
    const added = await octokit.rest.issues.addLabels({
      owner,
      repo,
      issue_number: 1,
      labels: ["step:2", "log-gardener"],
    });
    expect(added.data.map((l) => l.name)).toEqual(["priority:P1", "step:2", "log-gardener"]);
    const set = await octokit.rest.issues.setLabels({
      owner,
      repo,
      issue_number: 1,
      labels: ["log-gardener", "step:3"],
    });
    expect(set.data.map((l) => l.name)).toEqual(["log-gardener", "step:3"]);
    const removed = await octokit.rest.issues.removeLabel({ owner, repo, issue_number: 1, name: "step:3" });
    expect(removed.data.map((l) => l.name)).toEqual(["log-gardener"]);
    expect(
      await errorOf(octokit.rest.issues.removeLabel({ owner, repo, issue_number: 1, name: "step:3" })),
    ).toMatchObject({ status: 404 });

    const labels = await octokit.paginate(octokit.rest.issues.listLabelsForRepo, {
      owner,
      repo,
      per_page: 2,
    });
    expect(labels.map((l) => l.name).sort()).toEqual(["log-gardener", "priority:P1", "step:2", "step:3"]);
  });

  it("answers collaborator permissions; unknown users read", async () => {
    gh.setPermission("alice", "admin");
    gh.setPermission("mia", "maintain");
    gh.setPermission("bob", "write", "octo/other");
    const octokit = client();
    const perm = async (username: string, r = repo) =>
      (await octokit.rest.repos.getCollaboratorPermissionLevel({ owner, repo: r, username })).data;
    expect(await perm("alice")).toMatchObject({
      permission: "admin",
      role_name: "admin",
      user: { login: "alice" },
    });
    expect(await perm("mia")).toMatchObject({ permission: "write", role_name: "maintain" });
    expect((await perm("bob", "other")).permission).toBe("write");
    expect((await perm("bob")).permission).toBe("read");
    expect((await perm("stranger")).permission).toBe("read");
    expect((await perm("octo")).permission).toBe("admin"); // the owner
  });

  it("refuses issue, comment and label writes of a token without issues: write, as GitHub does", async () => {
    gh.setTokenPermissions("t", { issues: "read", contents: "read" });
    const octokit = client();
    const e = await errorOf(octokit.rest.issues.create({ owner, repo, title: "x" }));
    expect(e.status).toBe(403);
    expect(e.response?.data).toMatchObject({ message: "Resource not accessible by integration" });
    expect((e as { response?: { headers?: Record<string, string> } }).response?.headers).toMatchObject({
      "x-accepted-github-permissions": "issues=write; pull_requests=write",
    });
    expect((await errorOf(octokit.rest.issues.createLabel({ owner, repo, name: "l" }))).status).toBe(403);
    expect((await octokit.rest.issues.listForRepo({ owner, repo })).status).toBe(200);
    expect(gh.repo(owner, repo).issues).toHaveLength(0);
    expect(gh.repo(owner, repo).labels).toHaveLength(0);
  });

  it("serves contents as base64 JSON, raw text, a directory listing, or 404", async () => {
    gh.setFile(".github/log-gardener.yml", "project: p1\nwindow: 6h\n");
    const octokit = client();
    const json = await octokit.rest.repos.getContent({ owner, repo, path: ".github/log-gardener.yml" });
    const data = json.data as { type: string; encoding: string; content: string; path: string };
    expect(data).toMatchObject({ type: "file", encoding: "base64", path: ".github/log-gardener.yml" });
    expect(Buffer.from(data.content, "base64").toString("utf8")).toBe("project: p1\nwindow: 6h\n");
    const raw = await octokit.rest.repos.getContent({
      owner,
      repo,
      path: ".github/log-gardener.yml",
      mediaType: { format: "raw" },
    });
    expect(raw.data).toBe("project: p1\nwindow: 6h\n");
    const dir = await octokit.rest.repos.getContent({ owner, repo, path: ".github" });
    expect(dir.data).toEqual([expect.objectContaining({ type: "file", name: "log-gardener.yml" })]);
    expect(await errorOf(octokit.rest.repos.getContent({ owner, repo, path: "nope.yml" }))).toMatchObject({
      status: 404,
    });
  });

  it("records unknown routes as unmatched 404s, and counts reads and writes", async () => {
    const octokit = client();
    expect(await errorOf(octokit.request("GET /search/issues", { q: "x" }))).toMatchObject({ status: 404 });
    expect(gh.unmatched().map((r) => `${r.method} ${r.path}`)).toEqual(["GET /search/issues"]);
    expect(gh.requests[0]).toMatchObject({ status: 404, matched: false, query: { q: "x" } });
    expect(gh.requests[0].token).toBe("t");
    gh.addIssue({ title: "t" });
    await octokit.rest.issues.createComment({ owner, repo, issue_number: 1, body: "b" });
    expect(gh.requests[1].body).toEqual({ body: "b" });
    expect([gh.reads(), gh.writes()]).toEqual([1, 1]);
  });

  it("sends rate-limit headers and accepts the GHE /api/v3 prefix, with prefixed Link URLs", async () => {
    for (let i = 0; i < 3; i++) gh.addIssue({ title: `i${i}` });
    const octokit = new ProbotOctokit({
      auth: { token: "t" },
      baseUrl: `${gh.baseUrl}/api/v3`,
      ...fastOctokitOptions(),
    });
    const res = await octokit.rest.issues.listForRepo({ owner, repo, per_page: 2 });
    expect(res.headers["x-ratelimit-limit"]).toBe("5000");
    expect(res.headers["x-ratelimit-remaining"]).toBe("4999");
    expect(res.headers.link).toContain(
      `<${gh.baseUrl}/api/v3/repos/octo/repo/issues?per_page=2&page=2>; rel="next"`,
    );
    const all = await octokit.paginate(octokit.rest.issues.listForRepo, { owner, repo, per_page: 2 });
    expect(all).toHaveLength(3);
    expect(gh.requests.every((r) => r.ghePrefix && r.path.startsWith("/repos/"))).toBe(true);
  });

  it("listenAlso() serves the same state on another port, records the port, and pages through it", async () => {
    for (let i = 0; i < 3; i++) gh.addIssue({ title: `i${i}` });
    const other = await gh.listenAlso();
    expect(other.port).not.toBe(gh.port);
    const octokit = new ProbotOctokit({
      auth: { token: "t" },
      baseUrl: other.baseUrl,
      ...fastOctokitOptions(),
    });
    const all = await octokit.paginate(octokit.rest.issues.listForRepo, { owner, repo, per_page: 2 });
    expect(all).toHaveLength(3);
    await client().rest.issues.create({ owner, repo, title: "from the first port" });
    expect(gh.requests.map((r) => r.port)).toEqual([other.port, other.port, gh.port]);
    expect(gh.repo(owner, repo).issues).toHaveLength(4);
  });
});

describe("fault injection through the retry and throttling plugins", () => {
  it("a 500 then success: the retry plugin retries and exactly one issue exists", async () => {
    gh.failNext({ method: "POST", pathPattern: /\/issues$/, status: 500 });
    const octokit = client();
    const { data } = await octokit.rest.issues.create({ owner, repo, title: "once" });
    expect(data.number).toBe(1);
    expect(gh.requests.map((r) => [r.method, r.status, r.fault])).toEqual([
      ["POST", 500, true],
      ["POST", 201, false],
    ]);
    expect(gh.repo(owner, repo).issues).toHaveLength(1);
    expect(gh.pendingFaults()).toBe(0);
  });

  it("without retries a 502 surfaces and changes nothing; afterEffect applies the write yet fails", async () => {
    const octokit = new ProbotOctokit({
      auth: { token: "t" },
      baseUrl: gh.baseUrl,
      ...noRetryOctokitOptions(),
    });
    gh.failNext({ status: 502 });
    expect(await errorOf(octokit.rest.issues.create({ owner, repo, title: "a" }))).toMatchObject({
      status: 502,
    });
    expect(gh.repo(owner, repo).issues).toHaveLength(0);

    gh.failNext({ method: "POST", status: 503, afterEffect: true });
    expect(await errorOf(octokit.rest.issues.create({ owner, repo, title: "b" }))).toMatchObject({
      status: 503,
    });
    expect(gh.repo(owner, repo).issues.map((i) => i.title)).toEqual(["b"]); // the lost-response hazard
  });

  it("times: n fails n requests; faults match by method and path only", async () => {
    gh.addIssue({ title: "t" });
    gh.failNext({ method: "PATCH", pathPattern: /^\/repos\/octo\/repo\/issues\/1$/, status: 500, times: 2 });
    const octokit = client();
    await octokit.rest.issues.get({ owner, repo, issue_number: 1 }); // GET: not matched
    await octokit.rest.issues.update({ owner, repo, issue_number: 1, body: "x" });
    expect(gh.requests.map((r) => `${r.method} ${r.status}`)).toEqual([
      "GET 200",
      "PATCH 500",
      "PATCH 500",
      "PATCH 200",
    ]);
  });

  it("a secondary rate limit 403 with retry-after is retried by the throttling plugin", async () => {
    const seen: number[] = [];
    const onSecondaryRateLimit: LimitHandler = (retryAfter) => {
      seen.push(retryAfter);
      return true;
    };
    const octokit = new ProbotOctokit({
      auth: { token: "t" },
      baseUrl: gh.baseUrl,
      ...fastOctokitOptions({ onSecondaryRateLimit }),
    });
    gh.failNext({ method: "POST", status: 403, secondaryRateLimit: true, retryAfter: 1 });
    gh.failNext({ method: "POST", status: 403, secondaryRateLimit: true, retryAfter: 0 });
    const started = Date.now();
    const { data } = await octokit.rest.issues.create({ owner, repo, title: "throttled" });
    expect(data.title).toBe("throttled");
    // retry-after 0 reads as "absent" to the plugin, which then falls back to 60 "seconds" (60 ms here)
    expect(seen).toEqual([1, 60]);
    expect(Date.now() - started).toBeLessThan(5000);
    const first = gh.requests[0];
    expect(first.status).toBe(403);
    expect(gh.requests.map((r) => r.status)).toEqual([403, 403, 201]);
    expect(gh.repo(owner, repo).issues).toHaveLength(1);
  });

  it("a secondary rate limit is answered like GitHub: 403, message, retry-after header", async () => {
    const octokit = new ProbotOctokit({
      auth: { token: "t" },
      baseUrl: gh.baseUrl,
      ...noRetryOctokitOptions(),
    });
    gh.failNext({ status: 403, secondaryRateLimit: true, retryAfter: 7 });
    const e = (await errorOf(octokit.rest.issues.listForRepo({ owner, repo }))) as unknown as {
      status: number;
      message: string;
      response: { headers: Record<string, string> };
    };
    expect(e.status).toBe(403);
    expect(e.message).toMatch(/You have exceeded a secondary rate limit/);
    expect(e.response.headers["retry-after"]).toBe("7");
  });

  it("a primary rate limit (remaining 0) goes to onRateLimit", async () => {
    const seen: number[] = [];
    const octokit = new ProbotOctokit({
      auth: { token: "t" },
      baseUrl: gh.baseUrl,
      ...fastOctokitOptions({ onRateLimit: (after) => (seen.push(after), true) }),
    });
    gh.failNext({ status: 403, primaryRateLimit: true, retryAfter: 2 });
    await octokit.rest.issues.listForRepo({ owner, repo });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBeGreaterThanOrEqual(2);
    expect(gh.requests.map((r) => r.status)).toEqual([403, 200]);
  });

  it("hold() keeps a request waiting until release(); slowDown() delays", async () => {
    const octokit = client();
    const held = gh.hold({ method: "GET", pathPattern: /\/issues$/ });
    let done = false;
    const p = octokit.rest.issues.listForRepo({ owner, repo }).then(() => (done = true));
    const rec = await held.reached;
    expect(rec.path).toBe("/repos/octo/repo/issues");
    await new Promise((r) => setTimeout(r, 30));
    expect(done).toBe(false);
    held.release();
    await p;
    expect(done).toBe(true);

    const undo = gh.slowDown({ ms: 80 });
    const t0 = Date.now();
    await octokit.rest.issues.listForRepo({ owner, repo });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(70);
    undo();
  });
});

describe("Probot against the fake", () => {
  const { privateKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });

  function payload(body: string) {
    return {
      action: "created",
      installation: { id: 42 },
      repository: { id: 1, name: repo, full_name: `${owner}/${repo}`, owner: { login: owner, id: 2 } },
      issue: { number: 1, title: "t" },
      comment: { id: 7, body, user: { login: "alice", type: "User" } },
      sender: { login: "alice", type: "User" },
    };
  }

  async function probotWith(
    baseUrl: string,
    handler: (ctx: Context<"issue_comment.created">) => Promise<void>,
    Octokit = fastProbotOctokit(),
  ) {
    const probot = new Probot({ appId: 123, privateKey, baseUrl, logLevel: "fatal", Octokit });
    await probot.load((app) => {
      app.on("issue_comment.created", handler);
    });
    return probot;
  }

  it("receive(): token exchange with a JWT, then context.config reads .github/log-gardener.yml", async () => {
    await gh.close();
    gh = await startFakeGitHub({
      appId: 123,
      installations: [{ id: 42, account: owner, repositories: ["octo/repo"] }],
    });
    gh.setFile(".github/log-gardener.yml", "project: p1\nthresholds:\n  minCount: 5\n");
    gh.setPermission("alice", "write");
    gh.addIssue({ title: "t" });
    const got: unknown[] = [];
    const probot = await probotWith(gh.baseUrl, async (context) => {
      got.push(await context.config("log-gardener.yml"));
      const perm = await context.octokit.rest.repos.getCollaboratorPermissionLevel(
        context.repo({ username: context.payload.comment.user?.login ?? "" }),
      );
      got.push(perm.data.permission);
      await context.octokit.rest.reactions.createForIssueComment(
        context.repo({ comment_id: context.payload.comment.id, content: "eyes" as const }),
      );
      await context.octokit.rest.issues.createComment(context.issue({ body: "done" }));
    });
    gh.addComment(1, "/garden status", { user: "alice" }); // comment id is not 7; reaction goes to a real id
    const commentId = gh.repo(owner, repo).commentsOn(1)[0].id;
    const p = payload("/garden status");
    p.comment.id = commentId;
    await probot.receive({ id: "d1", name: "issue_comment", payload: p as never });

    expect(got).toEqual([{ project: "p1", thresholds: { minCount: 5 } }, "write"]);
    expect(gh.calls({ includeTokenExchange: true })).toEqual([
      "POST /app/installations/42/access_tokens",
      "GET /repos/octo/repo/contents/.github/log-gardener.yml",
      "GET /repos/octo/repo/collaborators/alice/permission",
      `POST /repos/octo/repo/issues/comments/${commentId}/reactions`,
      "POST /repos/octo/repo/issues/1/comments",
    ]);
    expect(gh.requests[0].token?.split(".")).toHaveLength(3); // the app JWT
    expect(gh.requests.slice(1).every((r) => r.token === "ghs_fake_42")).toBe(true);
    expect(gh.requests[1].accept).toContain("application/vnd.github.v3.raw");
    expect([gh.reads(), gh.writes()]).toEqual([2, 2]);
    expect(
      gh
        .repo(owner, repo)
        .commentsOn(1)
        .map((c) => [c.user.login, c.body]),
    ).toEqual([
      ["alice", "/garden status"],
      ["log-gardener[bot]", "done"],
    ]);

    // the app's own client (JWT) lists installations; the installation client lists its repos
    const appOctokit = await probot.auth();
    const installs = await appOctokit.rest.apps.listInstallations();
    expect(installs.data.map((i) => i.id)).toEqual([42]);
    const inst = await probot.auth(42);
    const repos = await inst.paginate(inst.rest.apps.listReposAccessibleToInstallation, { per_page: 100 });
    expect(repos.map((r) => r.full_name)).toEqual(["octo/repo"]);
    expect((await appOctokit.rest.apps.getAuthenticated()).data).toMatchObject({
      slug: "log-gardener",
      id: 123,
    });
  });

  it("config falls back to {owner}/.github, and works with the /api/v3 prefix; null when absent", async () => {
    gh.setFile(".github/log-gardener.yml", "_extends: shared\nwindow: 6h\n", "octo/.github");
    gh.setFile(".github/log-gardener.yml", "project: shared-project\n", "octo/shared");
    const configs: unknown[] = [];
    const probot = await probotWith(`${gh.baseUrl}/api/v3`, async (context) => {
      configs.push(await context.config("log-gardener.yml"));
      configs.push(await context.config("absent.yml"));
    });
    await probot.receive({ id: "d2", name: "issue_comment", payload: payload("hi") as never });
    expect(configs).toEqual([{ project: "shared-project", window: "6h" }, null]);
    expect(gh.calls()).toEqual([
      "GET /repos/octo/repo/contents/.github/log-gardener.yml",
      "GET /repos/octo/.github/contents/.github/log-gardener.yml",
      "GET /repos/octo/shared/contents/.github/log-gardener.yml",
      "GET /repos/octo/repo/contents/.github/absent.yml",
      "GET /repos/octo/.github/contents/.github/absent.yml",
    ]);
    expect(gh.requests.every((r) => r.ghePrefix)).toBe(true);
  });

  it("a JWT with the wrong issuer gets a 403 (never a 401), and receive() rejects", async () => {
    await gh.close();
    gh = await startFakeGitHub({ appId: 999 });
    const probot = await probotWith(gh.baseUrl, async (context) => {
      await context.octokit.rest.issues.createComment(context.issue({ body: "x" }));
    });
    await expect(
      probot.receive({ id: "d3", name: "issue_comment", payload: payload("x") as never }),
    ).rejects.toThrow();
    expect(gh.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      "POST /app/installations/42/access_tokens 403",
    ]);
  });

  it("installation clients are unpaced and retry a secondary limit; Probot's own handler does not retry", async () => {
    gh.addIssue({ title: "t" });
    gh.failNext({ method: "POST", pathPattern: /\/comments$/, status: 403, secondaryRateLimit: true });
    const writeThree = async (context: Context<"issue_comment.created">) => {
      for (const body of ["a", "b", "c"])
        await context.octokit.rest.issues.createComment(context.issue({ body }));
    };
    const started = Date.now();
    const fast = await probotWith(gh.baseUrl, writeThree);
    await fast.receive({ id: "d4", name: "issue_comment", payload: payload("x") as never });
    // throttled like production, 3 notification-triggering writes would take ≥ 6 s
    expect(Date.now() - started).toBeLessThan(1500);
    expect(
      gh
        .repo(owner, repo)
        .commentsOn(1)
        .map((c) => c.body),
    ).toEqual(["a", "b", "c"]);
    expect(gh.calls().filter((c) => c.startsWith("POST")).length).toBe(4);

    gh.failNext({ method: "POST", pathPattern: /\/comments$/, status: 403, secondaryRateLimit: true });
    const probotDefaults = await probotWith(
      gh.baseUrl,
      writeThree,
      fastProbotOctokit({ keepHandlers: true }),
    );
    await expect(
      probotDefaults.receive({ id: "d5", name: "issue_comment", payload: payload("x") as never }),
    ).rejects.toThrow(/secondary rate limit/);
    expect(gh.repo(owner, repo).commentsOn(1)).toHaveLength(3);
  });
});
