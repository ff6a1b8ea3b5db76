/**
 * A stateful fake of the GitHub REST API on 127.0.0.1, for the real Octokit / Probot clients.
 *
 *   const gh = await startFakeGitHub();
 *   const octokit = new ProbotOctokit({ auth: { token: "t" }, baseUrl: gh.baseUrl, ...fastOctokitOptions() });
 *   ...
 *   expect(gh.writes()).toBe(0);
 *   await gh.close();
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { appRoutes } from "./routes/app.js";
import { commentRoutes } from "./routes/comments.js";
import { issueRoutes } from "./routes/issues.js";
import { labelRoutes } from "./routes/labels.js";
import { repoRoutes } from "./routes/repos.js";
import type { AppInfo, Route, RouteContext, RouteResult } from "./router.js";
import type { Urls } from "./render.js";
import {
  ApiError,
  DOCS,
  FakeState,
  type FakeComment,
  type FakeInstallation,
  type FakeIssue,
  type FakeLabel,
  type FakeRepo,
  type IssueInit,
  type IssuePatch,
  type PermissionLevel,
} from "./state.js";

export interface FakeGitHubOptions {
  /** login of the app's bot user, the author of what installation tokens write (default "log-gardener[bot]") */
  botLogin?: string;
  /** app id; when given, the JWT's `iss` must match it (default 123, not checked) */
  appId?: number;
  /** default "log-gardener" */
  appSlug?: string;
  /** default "Log Gardener" */
  appName?: string;
  /** installations (default: none listed; the token exchange still answers for any id unless strict) */
  installations?: Array<{ id: number; account: string; repositories: string[] }>;
  /** 404 on the token exchange for installation ids not in `installations` (default false) */
  strictInstallations?: boolean;
  /** when given, only these repos ("owner/name") exist and the others answer 404; default: any repo exists */
  repos?: string[];
  /** the repo of the top-level seeding helpers when they get no `repo` (default "octo/repo") */
  defaultRepo?: string;
  /** web base of html_url fields (default "https://github.com"; never contacted) */
  htmlUrl?: string;
  /**
   * the clock for created_at/updated_at/closed_at (default: frozen at FAKE_GITHUB_EPOCH, never the
   * machine's time, so no test depends on the day it runs); see also setTime()
   */
  now?: () => Date;
  /** permission of users nobody set (default "read": no write) */
  defaultPermission?: PermissionLevel;
  /** x-ratelimit-limit (default 5000); remaining counts down per token and never reaches 0 by itself */
  rateLimit?: number;
}

export interface RecordedRequest {
  method: string;
  /** path without the /api/v3 prefix and without the query, percent-decoded (".github/x.yml", "priority:P1") */
  path: string;
  /** the same, still percent-encoded as sent (".github%2Fx.yml") */
  rawPath: string;
  query: Record<string, string>;
  /** parsed JSON body (undefined when empty; the raw string when not JSON) */
  body: unknown;
  /** the status the fake answered (0 while the request is still being handled) */
  status: number;
  /** credential after "token "/"bearer " */
  token: string | null;
  /** false when no route matched (answered 404) */
  matched: boolean;
  /** true when the answer came from failNext() */
  fault: boolean;
  accept: string;
  /** true when the request came with the /api/v3 (GHE) prefix */
  ghePrefix: boolean;
  /** Date.now() when the request arrived (real time: tests measure pacing with it) */
  at: number;
  /** the fake's port the request came in on (`port`, or one opened by `listenAlso()`) */
  port: number;
}

export interface FaultSpec {
  /** default: any method */
  method?: string;
  /**
   * tested against the decoded path (no /api/v3, no query). Without it the fault matches any request except the
   * installation token exchange.
   */
  pathPattern?: RegExp;
  /** 500, 502, 503, 403, 422, 404, 429 ... */
  status: number;
  /** how many matching requests fail (default 1) */
  times?: number;
  /** 403 (or `status`) with GitHub's "You have exceeded a secondary rate limit" message and retry-after */
  secondaryRateLimit?: boolean;
  /** 403 with x-ratelimit-remaining: 0 and x-ratelimit-reset = now + retryAfter */
  primaryRateLimit?: boolean;
  /** seconds, for the retry-after header (secondary; default 1) or the reset time (primary; default 0) */
  retryAfter?: number;
  /** overrides the error message */
  message?: string;
  /**
   * apply the request to the state first, then answer with the error — a write that happened although
   * the client saw a failure (a lost response). Default false: a failed request changes nothing.
   */
  afterEffect?: boolean;
}

export interface RequestMatcher {
  method?: string;
  pathPattern?: RegExp;
}

export interface Hold {
  /** resolves when a matching request arrived and is being held */
  reached: Promise<RecordedRequest>;
  /** let the held request through (releasing first makes the hold a no-op) */
  release(): void;
}

export interface FakeGitHub {
  /** e.g. http://127.0.0.1:41234 — give it to Octokit/Probot as baseUrl (a /api/v3 suffix also works) */
  baseUrl: string;
  port: number;
  /** host:port, for GHE_HOST (with GHE_PROTOCOL=http) */
  host: string;
  state: FakeState;
  /** every request, in arrival order, the token exchange included */
  requests: RecordedRequest[];
  /** GET/HEAD requests (the token exchange excluded) */
  reads(): number;
  /** POST/PATCH/PUT/DELETE requests, the installation token exchange excluded */
  writes(): number;
  /** "METHOD /path" of each request, the token exchange excluded unless asked */
  calls(opts?: { includeTokenExchange?: boolean }): string[];
  /** requests that matched no route (answered 404) */
  unmatched(): RecordedRequest[];
  /** forget the recorded requests (state stays) */
  clearRequests(): void;

  /** the repo's state (issues, comments, labels, files, permissions), created on first use */
  repo(owner: string, name: string): FakeRepo;
  /** seed an issue; `repo` "owner/name" defaults to opts.defaultRepo */
  addIssue(init: IssueInit & { repo?: string }): FakeIssue;
  /** edit an issue as a human (or anyone) would through the API; bumps updated_at */
  updateIssue(number: number, patch: IssuePatch, opts?: { repo?: string; actor?: string }): FakeIssue;
  /** seed a comment (author default: the bot) */
  addComment(
    issueNumber: number,
    body: string,
    opts?: { user?: string; created_at?: string | Date; repo?: string },
  ): FakeComment;
  addLabel(name: string, color?: string, description?: string | null, repo?: string): FakeLabel;
  /** without repo: for every repo (a repo's own setting wins) */
  setPermission(user: string, level: PermissionLevel, repo?: string): void;
  /** content null deletes; repo defaults to opts.defaultRepo (use "octo/.github" for org defaults) */
  setFile(path: string, content: string | null, repo?: string): void;
  /** requests with this token act as `login` (default for any token: the bot) */
  setTokenUser(token: string, login: string): void;
  /**
   * the token's permissions, like a workflow's `permissions:`; without issues: write, writes to issues,
   * comments and labels answer 403 "Resource not accessible by integration" (default: anything goes)
   */
  setTokenPermissions(
    token: string,
    permissions: Partial<Record<"issues" | "contents" | "metadata", "read" | "write">>,
  ): void;
  addInstallation(id: number, account: string, repositories: string[]): FakeInstallation;
  /** freeze the clock (null: back to the real/injected clock) */
  setTime(t: Date | string | null): void;
  /** move the (frozen) clock forward */
  advanceTime(ms: number): void;

  /** queue a failure for the next matching request(s) */
  failNext(fault: FaultSpec): void;
  /** faults not consumed yet (sum of remaining times) */
  pendingFaults(): number;
  /** delay matching requests by ms (default: every request, forever); returns an undo function */
  slowDown(spec: RequestMatcher & { ms: number; times?: number }): () => void;
  /** hold the next matching request (one) until release(); for "a pass is still running" tests */
  hold(spec: RequestMatcher): Hold;

  /**
   * serves the same API and state on one more port, so requests can be told apart by the client that
   * sent them (one port per app process in a multi-process benchmark); closed by `close()`
   */
  listenAlso(): Promise<{ port: number; baseUrl: string; host: string }>;

  close(): Promise<void>;
}

const ROUTES: Route[] = [...appRoutes, ...issueRoutes, ...commentRoutes, ...labelRoutes, ...repoRoutes];
const TOKEN_EXCHANGE = /^\/app\/installations\/\d+\/access_tokens$/;

function isTokenExchange(r: { method: string; path: string }): boolean {
  return r.method === "POST" && TOKEN_EXCHANGE.test(r.path);
}

function matches(
  m: RequestMatcher,
  r: { method: string; path: string },
  skipTokenExchange: boolean,
): boolean {
  if (m.method && m.method.toUpperCase() !== r.method) return false;
  if (m.pathPattern) {
    m.pathPattern.lastIndex = 0;
    return m.pathPattern.test(r.path);
  }
  return !(skipTokenExchange && isTokenExchange(r));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function faultResponse(f: FaultSpec): RouteResult {
  if (f.secondaryRateLimit) {
    return {
      status: f.status || 403,
      body: {
        message:
          f.message ??
          "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. " +
            "If you reach out to GitHub Support for help, please include the request ID FAKE:0000.",
        documentation_url: `${DOCS}/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits`,
        status: String(f.status || 403),
      },
      headers: { "retry-after": String(f.retryAfter ?? 1) },
    };
  }
  if (f.primaryRateLimit) {
    return {
      status: f.status || 403,
      body: {
        message:
          f.message ?? "API rate limit exceeded for installation. If you reach out to GitHub Support ...",
        documentation_url: `${DOCS}/overview/rate-limits-for-the-rest-api#about-the-primary-rate-limit`,
        status: String(f.status || 403),
      },
      headers: {
        "x-ratelimit-remaining": "0",
        // real time, not the fake's clock: Octokit's throttling compares the reset with its own clock
        "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + (f.retryAfter ?? 0)),
      },
    };
  }
  const defaults: Record<number, string> = {
    403: "Resource not accessible by integration",
    404: "Not Found",
    409: "Conflict",
    422: "Validation Failed",
    429: "Too Many Requests",
    500: "Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
  };
  const message = f.message ?? defaults[f.status] ?? `HTTP ${f.status}`;
  return {
    status: f.status,
    body:
      f.status === 422
        ? {
            message,
            errors: [{ resource: "Issue", code: "custom", message }],
            documentation_url: DOCS,
            status: "422",
          }
        : { message, documentation_url: DOCS, status: String(f.status) },
  };
}

/** A write to issues, comments or labels by a token without issues: write is refused as GitHub does. */
function deniedWrite(
  permissions: Partial<Record<string, "read" | "write">> | undefined,
  method: string,
  path: string,
): RouteResult | undefined {
  if (!permissions || permissions.issues === "write" || method === "GET" || method === "HEAD")
    return undefined;
  if (!/^\/repos\/[^/]+\/[^/]+\/(issues|labels)(\/|$)/.test(path)) return undefined;
  return {
    status: 403,
    body: {
      message: "Resource not accessible by integration",
      documentation_url: `${DOCS}/issues/issues#create-an-issue`,
      status: "403",
    },
    headers: { "x-accepted-github-permissions": "issues=write; pull_requests=write" },
  };
}

/** Where the fake's clock stands until a test sets it. */
export const FAKE_GITHUB_EPOCH = "2026-11-23T00:00:00Z";

export async function startFakeGitHub(opts: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const state = new FakeState(
    opts.botLogin ?? "log-gardener[bot]",
    opts.now ?? (() => new Date(FAKE_GITHUB_EPOCH)),
    opts.repos ? new Set(opts.repos.map((r) => r.toLowerCase())) : null,
  );
  state.defaultPermission = opts.defaultPermission ?? "read";
  for (const i of opts.installations ?? []) state.addInstallation(i.id, i.account, i.repositories);
  const app: AppInfo = {
    appId: opts.appId ?? 123,
    appSlug: opts.appSlug ?? "log-gardener",
    appName: opts.appName ?? "Log Gardener",
    checkIssuer: opts.appId !== undefined,
    strictInstallations: opts.strictInstallations ?? false,
  };
  const defaultRepo = opts.defaultRepo ?? "octo/repo";
  const htmlUrl = (opts.htmlUrl ?? "https://github.com").replace(/\/+$/, "");
  const limit = opts.rateLimit ?? 5000;
  const used = new Map<string, number>();
  const requests: RecordedRequest[] = [];
  const faults: Array<FaultSpec & { left: number }> = [];
  const slows: Array<RequestMatcher & { ms: number; left: number }> = [];
  const holds: Array<
    RequestMatcher & { taken: boolean; hit: (r: RecordedRequest) => void; gate: Promise<void> }
  > = [];
  let requestSeq = 0;

  const split = (full: string): [string, string] => {
    const i = full.indexOf("/");
    if (i <= 0) throw new Error(`fake-github: repo must be "owner/name", got ${JSON.stringify(full)}`);
    return [full.slice(0, i), full.slice(i + 1)];
  };
  const repoOf = (full?: string): FakeRepo => state.repo(...split(full ?? defaultRepo));

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake.invalid");
    const method = (req.method ?? "GET").toUpperCase();
    let path = url.pathname;
    const ghePrefix = path === "/api/v3" || path.startsWith("/api/v3/");
    if (ghePrefix) path = path.slice("/api/v3".length) || "/";
    if (path.length > 1) path = path.replace(/\/+$/, "");
    let decoded = path;
    try {
      decoded = decodeURIComponent(path);
    } catch {
      // keep it encoded
    }
    const raw = await readBody(req);
    let body: unknown = undefined;
    let badJson = false;
    if (raw !== "") {
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
        badJson = true;
      }
    }
    const authz = String(req.headers.authorization ?? "");
    const token = /^(?:token|bearer)\s+(\S+)$/i.exec(authz)?.[1] ?? null;
    const rec: RecordedRequest = {
      method,
      path: decoded,
      rawPath: path,
      query: Object.fromEntries(url.searchParams),
      body,
      status: 0,
      token,
      matched: false,
      fault: false,
      accept: String(req.headers.accept ?? ""),
      ghePrefix,
      at: Date.now(),
      port: req.socket.localPort ?? 0,
    };
    requests.push(rec);

    // links point back at the port the client used, so its next page comes the same way
    const origin = `http://127.0.0.1:${rec.port}`;
    const urls: Urls = { api: origin + (ghePrefix ? "/api/v3" : ""), html: htmlUrl };
    const key = token ?? "anonymous";
    const n = (used.get(key) ?? 0) + 1;
    used.set(key, n);
    const headers: Record<string, string> = {
      "x-ratelimit-limit": String(limit),
      "x-ratelimit-remaining": String(Math.max(1, limit - n)),
      // real time: Octokit's throttling compares the reset with its own clock
      "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 3600),
      "x-ratelimit-used": String(n),
      "x-ratelimit-resource": "core",
      "x-github-request-id": `FAKE:${(++requestSeq).toString(16).toUpperCase()}`,
      "x-github-api-version-selected": "2022-11-28",
      "x-github-media-type": "github.v3; format=json",
    };

    for (const s of slows) {
      if (s.left > 0 && matches(s, rec, false)) {
        s.left--;
        await new Promise((r) => setTimeout(r, s.ms));
      }
    }
    for (const h of holds) {
      if (!h.taken && matches(h, rec, false)) {
        h.taken = true;
        h.hit(rec);
        await h.gate;
      }
    }

    let result: RouteResult;
    const fault = faults.find((f) => f.left > 0 && matches(f, rec, true));
    if (fault) {
      fault.left--;
      faults.splice(0, faults.length, ...faults.filter((f) => f.left > 0));
    }
    const route = ROUTES.find((r) => r.method === method && r.re.test(path));
    if (route) rec.matched = true;
    const denied = token ? deniedWrite(state.tokenPermissions.get(token), method, path) : undefined;
    if (fault && !fault.afterEffect) {
      result = faultResponse(fault);
      rec.fault = true;
    } else if (denied) {
      result = denied;
    } else if (!route) {
      result = { status: 404, body: { message: "Not Found", documentation_url: DOCS, status: "404" } };
    } else if (badJson) {
      result = {
        status: 400,
        body: { message: "Problems parsing JSON", documentation_url: DOCS, status: "400" },
      };
    } else {
      const m = route.re.exec(path) as RegExpExecArray;
      const installationId = token && /^ghs_fake_(\d+)$/.exec(token);
      const callerLogin = token ? state.tokenUsers.get(token) : undefined;
      const ctx: RouteContext = {
        method,
        path,
        params: m
          .slice(1)
          .map((p) => (p === undefined ? (undefined as unknown as string) : decodeURIComponent(p))),
        query: url.searchParams,
        body,
        headers: req.headers,
        state,
        urls,
        app,
        caller: callerLogin ? state.user(callerLogin) : state.bot,
        token,
        installationId: installationId ? Number(installationId[1]) : null,
      };
      try {
        result = route.handle(ctx);
      } catch (e) {
        if (e instanceof ApiError) {
          result = { status: e.status, body: e.body, headers: e.headers };
        } else {
          result = {
            status: 500,
            body: { message: `fake-github bug: ${e instanceof Error ? e.stack : String(e)}`, status: "500" },
          };
        }
      }
      if (fault) {
        result = faultResponse(fault);
        rec.fault = true;
      }
    }

    rec.status = result.status;
    const out: Record<string, string> = { ...headers, ...(result.headers ?? {}) };
    if (result.text !== undefined) {
      out["content-type"] = result.contentType ?? "text/plain; charset=utf-8";
      res.writeHead(result.status, out);
      res.end(result.text);
    } else if (result.body === undefined) {
      res.writeHead(result.status, out);
      res.end();
    } else {
      out["content-type"] = "application/json; charset=utf-8";
      res.writeHead(result.status, out);
      res.end(JSON.stringify(result.body));
    }
  }

  const servers: Server[] = [];
  async function listen(): Promise<number> {
    const server = createServer((req, res) => {
      handle(req, res).catch((e: unknown) => {
        if (!res.headersSent) res.writeHead(500, { "content-type": "application/json; charset=utf-8" });
        res.end(JSON.stringify({ message: `fake-github bug: ${String(e)}` }));
      });
    });
    server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    servers.push(server);
    return (server.address() as AddressInfo).port;
  }
  const port = await listen();
  const origin = `http://127.0.0.1:${port}`;

  const api = (r: RecordedRequest) => !isTokenExchange(r);
  const fake: FakeGitHub = {
    baseUrl: origin,
    port,
    host: `127.0.0.1:${port}`,
    state,
    requests,
    reads: () => requests.filter((r) => api(r) && (r.method === "GET" || r.method === "HEAD")).length,
    writes: () =>
      requests.filter((r) => api(r) && ["POST", "PATCH", "PUT", "DELETE"].includes(r.method)).length,
    calls: (o = {}) =>
      requests.filter((r) => o.includeTokenExchange || api(r)).map((r) => `${r.method} ${r.path}`),
    unmatched: () => requests.filter((r) => !r.matched),
    clearRequests: () => {
      requests.length = 0;
    },

    repo: (owner, name) => state.repo(owner, name),
    addIssue: ({ repo, ...init }) => repoOf(repo).addIssue(init),
    updateIssue: (number, patch, o = {}) =>
      repoOf(o.repo).updateIssue(number, patch, o.actor ? state.user(o.actor) : undefined),
    addComment: (issueNumber, body, o = {}) =>
      repoOf(o.repo).addComment(issueNumber, body, { user: o.user, created_at: o.created_at }),
    addLabel: (name, color, description, repo) => repoOf(repo).addLabel(name, color, description ?? null),
    setPermission: (user, level, repo) => {
      state.user(user);
      if (repo) repoOf(repo).setPermission(user, level);
      else state.globalPermissions.set(user.toLowerCase(), level);
    },
    setFile: (path, content, repo) => repoOf(repo).setFile(path, content),
    setTokenPermissions: (token, permissions) => {
      state.tokenPermissions.set(token, permissions);
    },
    setTokenUser: (token, login) => {
      state.user(login);
      state.tokenUsers.set(token, login);
    },
    addInstallation: (id, account, repositories) => state.addInstallation(id, account, repositories),
    setTime: (t) => state.setTime(t),
    advanceTime: (ms) => state.advanceTime(ms),

    failNext: (f) => {
      faults.push({ ...f, left: f.times ?? 1 });
    },
    pendingFaults: () => faults.reduce((s, f) => s + f.left, 0),
    slowDown: (s) => {
      const entry = { ...s, left: s.times ?? Infinity };
      slows.push(entry);
      return () => {
        entry.left = 0;
      };
    },
    hold: (m) => {
      let hit!: (r: RecordedRequest) => void;
      let release!: () => void;
      const reached = new Promise<RecordedRequest>((r) => (hit = r));
      const gate = new Promise<void>((r) => (release = r));
      holds.push({ ...m, taken: false, hit, gate });
      return { reached, release };
    },

    listenAlso: async () => {
      const extra = await listen();
      return { port: extra, baseUrl: `http://127.0.0.1:${extra}`, host: `127.0.0.1:${extra}` };
    },

    close: async () => {
      await Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.close(() => resolve());
              server.closeAllConnections();
            }),
        ),
      );
    },
  };
  return fake;
}
