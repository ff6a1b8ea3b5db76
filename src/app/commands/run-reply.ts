import type { GitHub, RepoRef } from "../../github/client.js";
import { render } from "../../templates/render.js";
import type { Logger, RepoPassResult } from "../pass-runner.js";

/** The bot's reply to a comment that asked for a pass (`/garden run`, `/garden samples`). */
export interface RunReply {
  issue: number;
  comment: number;
  body: string;
}

/**
 * Adds the pass's outcome to its reply when the pass ends: an edit, so nobody is notified a second
 * time. Never throws (the pass is done either way); a failed edit is logged.
 */
export async function addPassOutcome(
  gh: GitHub,
  repo: RepoRef,
  reply: RunReply,
  result: Pick<RepoPassResult, "status" | "message" | "failures" | "dashboard">,
  log?: Logger,
): Promise<void> {
  const done = render("command-run-done", result).trim();
  await gh.rest.issues
    .updateComment({ ...repo, comment_id: reply.comment, body: `${reply.body}\n\n${done}` })
    .catch((error: unknown) =>
      log?.warn(
        { err: error, issue: reply.issue, status: result.status },
        "could not add the pass's outcome",
      ),
    );
}
