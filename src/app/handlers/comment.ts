import type { Context } from "probot";
import { defaultConfig } from "../../config/load.js";
import type { AllowList } from "../allow-list.js";
import { executeCommands } from "../commands/execute.js";
import { parseCommands } from "../commands/parse.js";
import { canWrite, isBot, oneLine } from "../github-ops.js";
import type { GitHub } from "../../github/client.js";
import type { RunReply } from "../commands/run-reply.js";
import { loadRepoConfig } from "../repo-config.js";
import { render } from "../../templates/render.js";

/**
 * Starts `/garden run`'s pass once its reply is posted: in this process, or with REDIS_URL on the repo's
 * queue. Either way the pass's outcome is added to that reply when it ends.
 */
export interface PassStarter {
  /** False when a pass of the repo is already running or waiting here (the reply says so). */
  canStart(full: string): boolean;
  start(gh: GitHub, full: string, installationId: number, refresh: number[], reply: RunReply): Promise<void>;
}

export interface CommentDeps {
  passes: PassStarter;
  allowList: AllowList;
  now: () => Date;
}

/** The hidden marker of the bot's refusal to `login`, so each user is told once per issue. */
export function refusedMarker(login: string): string {
  return `<!-- log-gardener:refused=${login.toLowerCase().replace(/[^a-z0-9-]/g, "")} -->`;
}

/**
 * A polite reply the first time a user without write permission sends a command on an issue (every
 * reply notifies each subscriber); after that only a 😕 reaction on their comment.
 */
async function refuse(context: Context<"issue_comment.created">, actor: string): Promise<void> {
  const gh = context.octokit;
  const marker = refusedMarker(actor);
  const earlier = await gh.paginate(gh.rest.issues.listComments, context.issue({ per_page: 100 }));
  if (earlier.some((c) => isBot(c.user) && (c.body ?? "").includes(marker))) {
    await gh.rest.reactions
      .createForIssueComment(context.repo({ comment_id: context.payload.comment.id, content: "confused" }))
      .catch((error: unknown) => context.log.warn({ err: error }, "could not react to the command"));
    return;
  }
  const body = `${render("command-refused", { actor }).trim()}\n\n${marker}`;
  await gh.rest.issues.createComment(context.issue({ body }));
}

/** `/garden` commands in a new issue comment: permission, 👀, the changes, one reply. */
export async function onIssueComment(
  context: Context<"issue_comment.created">,
  deps: CommentDeps,
): Promise<void> {
  const { comment, issue, sender, installation } = context.payload;
  if (isBot(comment.user) || isBot(sender)) return;
  const parsed = parseCommands(comment.body);
  if (parsed.commands.length === 0 && parsed.errors.length === 0) return;
  const gh = context.octokit;
  const repo = context.repo();
  const actor = comment.user!.login;
  if (!(await canWrite(gh, repo, actor))) {
    context.log.info({ actor, issue: issue.number }, "garden command refused: no write permission");
    await refuse(context, actor);
    return;
  }
  await gh.rest.reactions
    .createForIssueComment({ ...repo, comment_id: comment.id, content: "eyes" })
    .catch((error: unknown) => context.log.warn({ err: error }, "could not react to the command"));
  const full = `${repo.owner}/${repo.repo}`;
  let requested: number[] | undefined;
  let body: string;
  try {
    const loaded = await loadRepoConfig(gh, repo, deps.allowList);
    body = await executeCommands(
      {
        gh,
        repo,
        issueNumber: issue.number,
        actor,
        now: deps.now(),
        config: loaded.kind === "ok" ? loaded.config : defaultConfig(),
        triggerPass: (refresh = []) => {
          if (!deps.passes.canStart(full)) return false;
          requested = refresh;
          return true;
        },
      },
      parsed.commands,
      parsed.errors,
    );
  } catch (error) {
    // whatever failed, the user gets an answer rather than only the 👀
    context.log.error({ err: error, issue: issue.number }, "garden command failed");
    body = render("command-failed", { error: oneLine(error) }).trim();
  }
  const reply = await gh.rest.issues.createComment(context.issue({ body }));
  if (requested) {
    const to = { issue: issue.number, comment: reply.data.id, body };
    await deps.passes.start(gh, full, installation?.id ?? 0, requested, to);
  }
}
