/** GitHub App endpoints: installation tokens, installations, the app itself. */
import { renderInstallation, renderRepo } from "../render.js";
import { ok, paginate, route, intParam, type Route, type RouteContext } from "../router.js";
import { ApiError, DOCS, notFound, type FakeInstallation } from "../state.js";

function requireJwt(ctx: RouteContext): void {
  // Never 401 here: @octokit/auth-app retries 401s as "token replication delay" for seconds.
  const auth = String(ctx.headers.authorization ?? "");
  const m = /^bearer\s+([\w-]+)\.([\w-]+)\.([\w-]+)$/i.exec(auth);
  if (!m) {
    throw new ApiError(403, {
      message: "A JSON web token could not be decoded",
      documentation_url: DOCS,
      status: "403",
    });
  }
  let payload: { iss?: unknown };
  try {
    payload = JSON.parse(Buffer.from(m[2], "base64url").toString("utf8")) as { iss?: unknown };
  } catch {
    throw new ApiError(403, { message: "A JSON web token could not be decoded", status: "403" });
  }
  if (ctx.app.checkIssuer && String(payload.iss) !== String(ctx.app.appId)) {
    throw new ApiError(403, {
      message: `'Issuer' claim ('iss') must be an Integer or String of the App's ID (got ${String(payload.iss)})`,
      status: "403",
    });
  }
}

function installationOf(ctx: RouteContext, id: number): FakeInstallation {
  const inst = ctx.state.installations.get(id);
  if (!inst) throw notFound();
  return inst;
}

export const appRoutes: Route[] = [
  // the caller's rate limit; asking does not count against it (the app uses it to check a token)
  route("GET", /^\/rate_limit$/, () => {
    const core = { limit: 5000, used: 0, remaining: 5000, reset: Math.floor(Date.now() / 1000) + 3600 };
    return ok({ resources: { core }, rate: core });
  }),
  route("POST", /^\/app\/installations\/(\d+)\/access_tokens$/, (ctx) => {
    requireJwt(ctx);
    const id = intParam(ctx.params[0]);
    if (ctx.app.strictInstallations) installationOf(ctx, id);
    const inst = ctx.state.installations.get(id);
    return ok(
      {
        token: `ghs_fake_${id}`,
        // real time: @octokit/auth-app checks the expiry against its own clock
        expires_at: new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, "Z"),
        permissions: { issues: "write", metadata: "read", contents: "read" },
        repository_selection: "selected",
        ...(inst
          ? {
              repositories: inst.repositories.map((r) => {
                const [o, n] = r.split("/");
                return renderRepo(ctx.state.repo(o, n), ctx.state.user(o), ctx.urls);
              }),
            }
          : {}),
      },
      201,
    );
  }),
  route("GET", /^\/app$/, (ctx) => {
    requireJwt(ctx);
    return ok({
      id: ctx.app.appId,
      slug: ctx.app.appSlug,
      node_id: `A_fake${ctx.app.appId}`,
      name: ctx.app.appName,
      description: "",
      external_url: "https://example.invalid",
      html_url: `${ctx.urls.html}/apps/${ctx.app.appSlug}`,
      created_at: "2026-01-01T00:00:00Z",
      updated_at: "2026-01-01T00:00:00Z",
      permissions: { issues: "write", metadata: "read", contents: "read" },
      events: ["issues", "issue_comment", "installation", "installation_repositories"],
    });
  }),
  route("GET", /^\/app\/installations$/, (ctx) => {
    requireJwt(ctx);
    const { page, headers } = paginate(ctx, [...ctx.state.installations.values()]);
    return {
      status: 200,
      body: page.map((i) => renderInstallation(i, ctx.app.appId, ctx.app.appSlug, ctx.urls)),
      headers,
    };
  }),
  route("GET", /^\/app\/installations\/(\d+)$/, (ctx) => {
    requireJwt(ctx);
    const inst = installationOf(ctx, intParam(ctx.params[0]));
    return ok(renderInstallation(inst, ctx.app.appId, ctx.app.appSlug, ctx.urls));
  }),
  route("GET", /^\/(?:users|orgs)\/([^/]+)\/installation$/, (ctx) => {
    requireJwt(ctx);
    const login = ctx.params[0].toLowerCase();
    const inst = [...ctx.state.installations.values()].find((i) => i.account.login.toLowerCase() === login);
    if (!inst) throw notFound();
    return ok(renderInstallation(inst, ctx.app.appId, ctx.app.appSlug, ctx.urls));
  }),
  route("GET", /^\/installation\/repositories$/, (ctx) => {
    if (ctx.installationId === null) {
      throw new ApiError(403, {
        message: "You must authenticate with an installation access token in order to list repositories",
        status: "403",
      });
    }
    const inst = ctx.state.installations.get(ctx.installationId);
    const repos = (inst?.repositories ?? []).map((r) => {
      const [o, n] = r.split("/");
      return renderRepo(ctx.state.repo(o, n), ctx.state.user(o), ctx.urls);
    });
    const { page, headers } = paginate(ctx, repos);
    return {
      status: 200,
      body: { total_count: repos.length, repository_selection: "selected", repositories: page },
      headers,
    };
  }),
];
