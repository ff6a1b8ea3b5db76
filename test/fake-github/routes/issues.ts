/** Issues, the labels of an issue, and reactions on an issue. */
import { renderIssue, renderLabel, renderReaction } from "../render.js";
import {
  bodyObject,
  intParam,
  ok,
  paginate,
  repoOf,
  route,
  type Route,
  type RouteContext,
} from "../router.js";
import { validationFailed, type FakeIssue, type FakeRepo } from "../state.js";

const R = "^/repos/([^/]+)/([^/]+)";

function listIssues(ctx: RouteContext) {
  const repo = repoOf(ctx);
  const q = ctx.query;
  const state = q.get("state") ?? "open";
  if (!["open", "closed", "all"].includes(state)) {
    throw validationFailed({ resource: "Issue", field: "state", code: "invalid", value: state });
  }
  const wanted = (q.get("labels") ?? "")
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  const since = q.get("since");
  const sinceMs = since ? Date.parse(since) : NaN;
  const creator = q.get("creator")?.toLowerCase();
  const assignee = q.get("assignee")?.toLowerCase();
  let items = repo.issues.filter(
    (i) =>
      (state === "all" || i.state === state) &&
      wanted.every((w) => i.labels.some((l) => l.name.toLowerCase() === w)) &&
      (Number.isNaN(sinceMs) || Date.parse(i.updated_at) >= sinceMs) &&
      (!creator || i.user.login.toLowerCase() === creator) &&
      (!assignee ||
        (assignee === "none"
          ? i.assignees.length === 0
          : assignee === "*"
            ? i.assignees.length > 0
            : i.assignees.some((u) => u.login.toLowerCase() === assignee))),
  );
  const sort = q.get("sort") ?? "created";
  const dir = (q.get("direction") ?? "desc") === "asc" ? 1 : -1;
  const key = (i: FakeIssue): number =>
    sort === "updated"
      ? Date.parse(i.updated_at)
      : sort === "comments"
        ? repo.commentsOn(i.number).length
        : Date.parse(i.created_at);
  items = [...items].sort((a, b) => dir * (key(a) - key(b) || a.number - b.number));
  const { page, headers } = paginate(ctx, items);
  return { status: 200, body: page.map((i) => renderIssue(i, repo, ctx.urls)), headers };
}

function createIssue(ctx: RouteContext) {
  const repo = repoOf(ctx);
  const b = bodyObject(ctx);
  const issue = repo.addIssue({
    title: b.title as string,
    body: b.body as string | undefined,
    labels: b.labels as string[] | undefined,
    assignees: b.assignees as string[] | undefined,
    user: ctx.caller.login,
  });
  return {
    status: 201,
    body: renderIssue(issue, repo, ctx.urls),
    headers: { location: `${ctx.urls.api}/repos/${repo.fullName}/issues/${issue.number}` },
  };
}

function labelNames(body: unknown): unknown {
  // GitHub accepts `{ labels: [...] }` and, for compatibility, a bare array of names
  if (Array.isArray(body)) return body;
  if (body && typeof body === "object" && "labels" in body) return (body as { labels: unknown }).labels;
  return undefined;
}

function labelsResult(repo: FakeRepo, ctx: RouteContext, labels: FakeIssue["labels"]) {
  return ok(labels.map((l) => renderLabel(l, repo, ctx.urls)));
}

export const issueRoutes: Route[] = [
  route("GET", new RegExp(`${R}/issues$`), listIssues),
  route("POST", new RegExp(`${R}/issues$`), createIssue),
  route("GET", new RegExp(`${R}/issues/(\\d+)$`), (ctx) => {
    const repo = repoOf(ctx);
    return ok(renderIssue(repo.issueOr404(intParam(ctx.params[2])), repo, ctx.urls));
  }),
  route("PATCH", new RegExp(`${R}/issues/(\\d+)$`), (ctx) => {
    const repo = repoOf(ctx);
    const issue = repo.updateIssue(intParam(ctx.params[2]), bodyObject(ctx), ctx.caller);
    return ok(renderIssue(issue, repo, ctx.urls));
  }),
  route("GET", new RegExp(`${R}/issues/(\\d+)/labels$`), (ctx) => {
    const repo = repoOf(ctx);
    const { page, headers } = paginate(ctx, repo.issueOr404(intParam(ctx.params[2])).labels);
    return { status: 200, body: page.map((l) => renderLabel(l, repo, ctx.urls)), headers };
  }),
  route("POST", new RegExp(`${R}/issues/(\\d+)/labels$`), (ctx) => {
    const repo = repoOf(ctx);
    return labelsResult(repo, ctx, repo.addLabelsToIssue(intParam(ctx.params[2]), labelNames(ctx.body)));
  }),
  route("PUT", new RegExp(`${R}/issues/(\\d+)/labels$`), (ctx) => {
    const repo = repoOf(ctx);
    return labelsResult(repo, ctx, repo.setIssueLabels(intParam(ctx.params[2]), labelNames(ctx.body) ?? []));
  }),
  route("DELETE", new RegExp(`${R}/issues/(\\d+)/labels$`), (ctx) => {
    const repo = repoOf(ctx);
    repo.setIssueLabels(intParam(ctx.params[2]), []);
    return { status: 204 };
  }),
  route("DELETE", new RegExp(`${R}/issues/(\\d+)/labels/([^/]+)$`), (ctx) => {
    const repo = repoOf(ctx);
    return labelsResult(repo, ctx, repo.removeLabelFromIssue(intParam(ctx.params[2]), ctx.params[3]));
  }),
  route("GET", new RegExp(`${R}/issues/(\\d+)/reactions$`), (ctx) => {
    const repo = repoOf(ctx);
    const { page, headers } = paginate(ctx, repo.issueOr404(intParam(ctx.params[2])).reactions);
    return { status: 200, body: page.map((r) => renderReaction(r, ctx.urls)), headers };
  }),
  route("POST", new RegExp(`${R}/issues/(\\d+)/reactions$`), (ctx) => {
    const repo = repoOf(ctx);
    const issue = repo.issueOr404(intParam(ctx.params[2]));
    const [r, created] = repo.addReaction(issue, bodyObject(ctx).content, ctx.caller);
    return ok(renderReaction(r, ctx.urls), created ? 201 : 200);
  }),
];
