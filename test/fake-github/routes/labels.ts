/** Repository labels. */
import { renderLabel } from "../render.js";
import { bodyObject, ok, paginate, repoOf, route, type Route } from "../router.js";
import { notFound, validationFailed } from "../state.js";

const R = "^/repos/([^/]+)/([^/]+)";

export const labelRoutes: Route[] = [
  route("GET", new RegExp(`${R}/labels$`), (ctx) => {
    const repo = repoOf(ctx);
    const { page, headers } = paginate(ctx, repo.labels);
    return { status: 200, body: page.map((l) => renderLabel(l, repo, ctx.urls)), headers };
  }),
  route("POST", new RegExp(`${R}/labels$`), (ctx) => {
    const repo = repoOf(ctx);
    const b = bodyObject(ctx);
    if (typeof b.name !== "string")
      throw validationFailed({ resource: "Label", field: "name", code: "missing_field" });
    if (b.color !== undefined && typeof b.color !== "string") {
      throw validationFailed({ resource: "Label", field: "color", code: "invalid" });
    }
    if (b.description !== undefined && b.description !== null && typeof b.description !== "string") {
      throw validationFailed({ resource: "Label", field: "description", code: "invalid" });
    }
    const l = repo.addLabel(
      b.name,
      (b.color as string | undefined) ?? "ededed",
      (b.description as string) ?? null,
    );
    return ok(renderLabel(l, repo, ctx.urls), 201);
  }),
  route("GET", new RegExp(`${R}/labels/([^/]+)$`), (ctx) => {
    const repo = repoOf(ctx);
    const l = repo.label(ctx.params[2]);
    if (!l) throw notFound();
    return ok(renderLabel(l, repo, ctx.urls));
  }),
  route("PATCH", new RegExp(`${R}/labels/([^/]+)$`), (ctx) => {
    const repo = repoOf(ctx);
    return ok(renderLabel(repo.updateLabel(ctx.params[2], bodyObject(ctx)), repo, ctx.urls));
  }),
  route("DELETE", new RegExp(`${R}/labels/([^/]+)$`), (ctx) => {
    repoOf(ctx).deleteLabel(ctx.params[2]);
    return { status: 204 };
  }),
];
