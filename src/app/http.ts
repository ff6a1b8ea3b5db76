import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { DueStart } from "./scheduler.js";

export interface HttpOptions {
  /** Bearer secret of `POST /garden/run` (env GARDENER_RUN_SECRET); without it the route answers 503. */
  runSecret?: string;
  /**
   * With REDIS_URL: `POST /garden/run` only puts one "run every due repo" job on the queue and answers
   * 202; a replica's worker then does the rest.
   */
  enqueueRunDue?: () => Promise<void>;
  /** `degraded` and why (Redis away) for `GET /health`; default `ok`. */
  health?: () => { status: "ok" | "degraded"; reason?: string };
  /** Lists the installations and starts the due passes in the background; resolves with what started. */
  startDue: () => Promise<DueStart>;
  version: string;
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): true {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
  res.end(JSON.stringify(body));
  return true;
}

/** Constant-time comparison: both sides are hashed first, so their lengths leak nothing either. */
export function secretMatches(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b) && given.length === expected.length;
}

/** `GET /health` and `POST /garden/run`; any other request is left to the next handler. */
export function httpHandler(opts: HttpOptions) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname.replace(/\/+$/, "");
    if (path === "/health") {
      if (req.method !== "GET" && req.method !== "HEAD")
        return send(res, 405, { error: "use GET" }, { allow: "GET" });
      return send(res, 200, { ...(opts.health?.() ?? { status: "ok" }), version: opts.version });
    }
    if (path !== "/garden/run") return false;
    if (req.method !== "POST") return send(res, 405, { error: "use POST" }, { allow: "POST" });
    if (!opts.runSecret) return send(res, 503, { error: "GARDENER_RUN_SECRET is not set on the server" });
    const auth = /^Bearer\s+(.+)$/i.exec(String(req.headers.authorization ?? ""))?.[1]?.trim() ?? "";
    if (!auth || !secretMatches(auth, opts.runSecret)) {
      return send(res, 401, { error: "a valid bearer token is required" }, { "www-authenticate": "Bearer" });
    }
    req.resume();
    if (opts.enqueueRunDue) {
      try {
        await opts.enqueueRunDue();
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        return send(res, 503, { error: `the run could not be queued: ${reason}` }, { "retry-after": "30" });
      }
      return send(res, 202, { queued: true });
    }
    // 202 before any pass: a scheduler's deadline covers the listing, not the passes (they are logged)
    return send(res, 202, await opts.startDue());
  };
}
