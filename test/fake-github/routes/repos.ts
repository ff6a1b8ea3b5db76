/** Repository metadata, collaborator permission, contents (used by Probot's context.config). */
import { createHash } from "node:crypto";
import { renderInstallation, renderRepo, renderUser } from "../render.js";
import { ok, repoOf, route, type Route, type RouteContext } from "../router.js";
import { notFound, type FakeRepo, type PermissionLevel } from "../state.js";

const R = "^/repos/([^/]+)/([^/]+)";

const PERMISSION: Record<PermissionLevel, string> = {
  admin: "admin",
  maintain: "write",
  write: "write",
  triage: "read",
  read: "read",
  none: "none",
};

function gitSha(content: Buffer): string {
  return createHash("sha1").update(`blob ${content.length}\0`).update(content).digest("hex");
}

function fileEntry(
  ctx: RouteContext,
  repo: FakeRepo,
  path: string,
  type: "file" | "dir",
  size: number,
  sha: string,
) {
  const api = `${ctx.urls.api}/repos/${repo.fullName}`;
  const kind = type === "file" ? "blob" : "tree";
  return {
    type,
    size,
    name: path.split("/").pop(),
    path,
    sha,
    url: `${api}/contents/${path}?ref=main`,
    git_url: `${api}/git/${kind}s/${sha}`,
    html_url: `${ctx.urls.html}/${repo.fullName}/${kind}/main/${path}`,
    download_url: type === "file" ? `${ctx.urls.html}/raw/${repo.fullName}/main/${path}` : null,
    _links: {
      self: `${api}/contents/${path}?ref=main`,
      git: `${api}/git/${kind}s/${sha}`,
      html: `${ctx.urls.html}/${repo.fullName}/${kind}/main/${path}`,
    },
  };
}

function wantsRaw(ctx: RouteContext): boolean {
  const accept = String(ctx.headers.accept ?? "");
  return /application\/vnd\.github(\.v3)?\.raw/.test(accept);
}

function getContents(ctx: RouteContext) {
  const repo = repoOf(ctx);
  const path = (ctx.params[2] ?? "").replace(/^\/+|\/+$/g, "");
  const file = repo.files.get(path);
  if (file !== undefined) {
    const buf = Buffer.from(file, "utf8");
    if (wantsRaw(ctx)) {
      // GitHub serves the raw media type as text; Octokit then returns a string
      return { status: 200, text: file, contentType: "text/plain; charset=utf-8" };
    }
    const b64 = buf.toString("base64").replace(/.{60}/g, "$&\n");
    return ok({
      ...fileEntry(ctx, repo, path, "file", buf.length, gitSha(buf)),
      content: b64.endsWith("\n") ? b64 : `${b64}\n`,
      encoding: "base64",
    });
  }
  // a directory: every file below it (JSON even when raw was asked for, like GitHub)
  const prefix = path === "" ? "" : `${path}/`;
  const below = [...repo.files.keys()].filter((p) => p.startsWith(prefix));
  if (below.length === 0) throw notFound();
  const children = new Map<string, "file" | "dir">();
  for (const p of below) {
    const rest = p.slice(prefix.length);
    const [first, ...more] = rest.split("/");
    children.set(prefix + first, more.length ? "dir" : "file");
  }
  return ok(
    [...children].sort().map(([p, type]) => {
      const content = Buffer.from(repo.files.get(p) ?? "", "utf8");
      return fileEntry(ctx, repo, p, type, type === "file" ? content.length : 0, gitSha(content));
    }),
  );
}

export const repoRoutes: Route[] = [
  route("GET", new RegExp(`${R}$`), (ctx) => {
    const repo = repoOf(ctx);
    return ok(renderRepo(repo, ctx.state.user(repo.owner), ctx.urls));
  }),
  route("GET", new RegExp(`${R}/collaborators/([^/]+)/permission$`), (ctx) => {
    const repo = repoOf(ctx);
    const login = ctx.params[2];
    const level = repo.permissionOf(login);
    const perm = PERMISSION[level];
    const rank = ["none", "read", "triage", "write", "maintain", "admin"].indexOf(level);
    return ok({
      permission: perm,
      role_name: level,
      user: {
        ...renderUser(ctx.state.user(login), ctx.urls),
        permissions: {
          admin: rank >= 5,
          maintain: rank >= 4,
          push: rank >= 3,
          triage: rank >= 2,
          pull: rank >= 1,
        },
        role_name: level,
      },
    });
  }),
  route("GET", new RegExp(`${R}/contents(?:/(.*))?$`), getContents),
  route("GET", new RegExp(`${R}/installation$`), (ctx) => {
    const full = `${ctx.params[0]}/${ctx.params[1]}`.toLowerCase();
    const inst = [...ctx.state.installations.values()].find((i) =>
      i.repositories.some((r) => r.toLowerCase() === full),
    );
    if (!inst) throw notFound();
    return ok(renderInstallation(inst, ctx.app.appId, ctx.app.appSlug, ctx.urls));
  }),
];
