/** Route table types and helpers shared by ./routes/*.ts. */
import type { IncomingHttpHeaders } from "node:http";
import type { Urls } from "./render.js";
import { ApiError, type FakeRepo, type FakeState, type FakeUser } from "./state.js";

export interface AppInfo {
  appId: number;
  appSlug: string;
  appName: string;
  /** check the JWT's `iss` against appId (only when the fake was given an appId) */
  checkIssuer: boolean;
  /** unknown installation ids get 404 on the token exchange (default: any id gets a token) */
  strictInstallations: boolean;
}

export interface RouteContext {
  method: string;
  /** path without the /api/v3 prefix and without the query string */
  path: string;
  /** regex groups of the route, URI-decoded */
  params: string[];
  query: URLSearchParams;
  body: unknown;
  headers: IncomingHttpHeaders;
  state: FakeState;
  urls: Urls;
  app: AppInfo;
  /** the user the token belongs to (the bot for installation tokens and unknown tokens) */
  caller: FakeUser;
  /** the credential after "token "/"bearer ", if any */
  token: string | null;
  /** installation the token was issued for, when it is a fake installation token */
  installationId: number | null;
}

export interface RouteResult {
  status: number;
  /** JSON body (omit for 204) */
  body?: unknown;
  /** raw text body instead of JSON */
  text?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

export interface Route {
  method: string;
  re: RegExp;
  handle(ctx: RouteContext): RouteResult;
}

export function route(method: string, re: RegExp, handle: (ctx: RouteContext) => RouteResult): Route {
  return { method, re, handle };
}

export const ok = (body: unknown, status = 200): RouteResult => ({ status, body });

export function repoOf(ctx: RouteContext): FakeRepo {
  return ctx.state.repoOr404(ctx.params[0], ctx.params[1]);
}

export function intParam(v: string): number {
  if (!/^\d+$/.test(v)) throw new ApiError(404, { message: "Not Found", status: "404" });
  return Number(v);
}

/** The JSON body as an object (GitHub answers 400 "Problems parsing JSON" otherwise). */
export function bodyObject(ctx: RouteContext): Record<string, unknown> {
  const b = ctx.body;
  if (b === undefined || b === null) return {};
  if (typeof b !== "object" || Array.isArray(b)) {
    throw new ApiError(400, { message: "Problems parsing JSON", status: "400" });
  }
  return b as Record<string, unknown>;
}

/**
 * Slice `items` by `per_page` (default 30, max 100) and `page` (default 1), and build GitHub's Link
 * header: `<...page=2...>; rel="next", <...page=N...>; rel="last"` (plus prev/first after page 1).
 */
export function paginate<T>(ctx: RouteContext, items: T[]): { page: T[]; headers: Record<string, string> } {
  const perRaw = Number(ctx.query.get("per_page") ?? "30");
  const perPage = Math.min(100, Math.max(1, Number.isFinite(perRaw) && perRaw > 0 ? Math.floor(perRaw) : 30));
  const pageRaw = Number(ctx.query.get("page") ?? "1");
  const page = Number.isFinite(pageRaw) && pageRaw >= 1 ? Math.floor(pageRaw) : 1;
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const slice = items.slice((page - 1) * perPage, page * perPage);
  const link = (p: number): string => {
    const q = new URLSearchParams(ctx.query);
    q.set("page", String(p));
    return `<${ctx.urls.api}${ctx.path}?${q.toString()}>`;
  };
  const parts: string[] = [];
  if (page > 1) parts.push(`${link(Math.min(page - 1, last))}; rel="prev"`);
  if (page < last) parts.push(`${link(page + 1)}; rel="next"`, `${link(last)}; rel="last"`);
  if (page > 1) parts.push(`${link(1)}; rel="first"`);
  return { page: slice, headers: parts.length ? { link: parts.join(", ") } : {} };
}
