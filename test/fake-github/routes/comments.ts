/** Issue comments and reactions on comments. */
import { renderComment, renderReaction } from "../render.js";
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
import { notFound, type FakeComment, type FakeRepo } from "../state.js";

const R = "^/repos/([^/]+)/([^/]+)";

function commentOr404(repo: FakeRepo, id: string): FakeComment {
  const c = repo.comment(intParam(id));
  if (!c) throw notFound();
  return c;
}

function listComments(ctx: RouteContext, items: FakeComment[], repo: FakeRepo) {
  const since = ctx.query.get("since");
  const sinceMs = since ? Date.parse(since) : NaN;
  const filtered = Number.isNaN(sinceMs) ? items : items.filter((c) => Date.parse(c.updated_at) >= sinceMs);
  const { page, headers } = paginate(ctx, filtered);
  return { status: 200, body: page.map((c) => renderComment(c, repo, ctx.urls)), headers };
}

export const commentRoutes: Route[] = [
  route("GET", new RegExp(`${R}/issues/(\\d+)/comments$`), (ctx) => {
    const repo = repoOf(ctx);
    const n = intParam(ctx.params[2]);
    repo.issueOr404(n);
    return listComments(ctx, repo.commentsOn(n), repo);
  }),
  route("POST", new RegExp(`${R}/issues/(\\d+)/comments$`), (ctx) => {
    const repo = repoOf(ctx);
    const c = repo.addComment(intParam(ctx.params[2]), bodyObject(ctx).body, { user: ctx.caller });
    return {
      status: 201,
      body: renderComment(c, repo, ctx.urls),
      headers: { location: `${ctx.urls.api}/repos/${repo.fullName}/issues/comments/${c.id}` },
    };
  }),
  route("GET", new RegExp(`${R}/issues/comments$`), (ctx) => {
    const repo = repoOf(ctx);
    return listComments(ctx, repo.comments, repo);
  }),
  route("GET", new RegExp(`${R}/issues/comments/(\\d+)$`), (ctx) => {
    const repo = repoOf(ctx);
    return ok(renderComment(commentOr404(repo, ctx.params[2]), repo, ctx.urls));
  }),
  route("PATCH", new RegExp(`${R}/issues/comments/(\\d+)$`), (ctx) => {
    const repo = repoOf(ctx);
    const c = repo.updateComment(intParam(ctx.params[2]), bodyObject(ctx).body);
    return ok(renderComment(c, repo, ctx.urls));
  }),
  route("DELETE", new RegExp(`${R}/issues/comments/(\\d+)$`), (ctx) => {
    repoOf(ctx).deleteComment(intParam(ctx.params[2]));
    return { status: 204 };
  }),
  route("GET", new RegExp(`${R}/issues/comments/(\\d+)/reactions$`), (ctx) => {
    const c = commentOr404(repoOf(ctx), ctx.params[2]);
    const { page, headers } = paginate(ctx, c.reactions);
    return { status: 200, body: page.map((r) => renderReaction(r, ctx.urls)), headers };
  }),
  route("POST", new RegExp(`${R}/issues/comments/(\\d+)/reactions$`), (ctx) => {
    const repo = repoOf(ctx);
    const c = commentOr404(repo, ctx.params[2]);
    const [r, created] = repo.addReaction(c, bodyObject(ctx).content, ctx.caller);
    return ok(renderReaction(r, ctx.urls), created ? 201 : 200);
  }),
];
