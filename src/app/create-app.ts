import type { ApplicationFunction, ApplicationFunctionOptions, Context, Probot } from "probot";
import { systemClock } from "../clock.js";
import type { GitHub } from "../github/client.js";
import { syncGarden } from "./garden.js";
import { onIssueEdited } from "./handlers/checklist.js";
import { onIssueComment, type PassStarter } from "./handlers/comment.js";
import { onInstallation, onInstallationRepositories } from "./handlers/installation.js";
import { httpHandler } from "./http.js";
import { listInstallationRepos } from "./installations.js";
import { cloudLogSource } from "../pass/cloud-source.js";
import { packageVersion, type AppOptions } from "./options.js";
import { isBot, oneLine } from "./github-ops.js";
import { addPassOutcome } from "./commands/run-reply.js";
import { parseCommands } from "./commands/parse.js";
import { installationKey, QueuedGardener, repoKey } from "./queued.js";
import { Scheduler } from "./scheduler.js";

export interface AppHandle {
  scheduler: Scheduler;
  /** With REDIS_URL (`opts.queue`): the queue every repo-mutating job goes through. */
  queued?: QueuedGardener;
}

/** An Octokit of the installation whose token is checked at once (see below). */
function installationOctokit(app: Pick<Probot, "auth">) {
  return async (id: number): Promise<GitHub> => {
    const gh = (await app.auth(id)) as GitHub;
    // the token now (this call is free of rate limit), so a refused token fails the pass instead of
    // reading as "no config file" (the config loader takes any 404 for a missing file)
    await gh.rest.rateLimit.get();
    return gh;
  };
}

function passDeps(app: Pick<Probot, "log">, opts: AppOptions) {
  return {
    allowList: opts.allowList ?? new Map(),
    readLogs: opts.readLogs ?? cloudLogSource({ logging: opts.googleClient }),
    garden: opts.garden ?? syncGarden,
    now: opts.now,
    log: app.log,
  };
}

export function createScheduler(app: Pick<Probot, "auth" | "log">, opts: AppOptions): Scheduler {
  return new Scheduler({
    octokitFor: installationOctokit(app),
    listInstallations: () => listInstallationRepos(app),
    pass: passDeps(app, opts),
    jitterMs: opts.jitterMs,
    tickMs: opts.tickMs,
    concurrency: opts.concurrency,
    log: app.log,
  });
}

/** The Probot app: webhooks, `/garden` commands, checklist tracking, HTTP routes and the scheduler. */
export function createApp(opts: AppOptions = {}, onReady?: (handle: AppHandle) => void): ApplicationFunction {
  return (app: Probot, options: ApplicationFunctionOptions) => {
    const now = opts.now ?? systemClock;
    const scheduler = createScheduler(app, opts);
    const queued = opts.queue && createQueued(app, opts, (context) => dispatch(context));
    const deps = {
      passes: queued ? queuedPasses(queued) : localPasses(scheduler, app.log),
      allowList: opts.allowList ?? new Map(),
      now,
    };
    const registry = queued ?? scheduler;
    const dispatch = async (context: Context): Promise<void> => {
      if (context.name === "issue_comment")
        await onIssueComment(context as Context<"issue_comment.created">, deps);
      else if (context.name === "issues") await onIssueEdited(context as Context<"issues.edited">, now);
      else if (context.name === "installation")
        await onInstallation(context as Context<"installation">, registry);
      else if (context.name === "installation_repositories")
        await onInstallationRepositories(context as Context<"installation_repositories">, registry);
    };
    // with REDIS_URL, a webhook only enqueues (acknowledged at once); its handler runs on a worker
    const on = (key: (context: Context) => string | undefined) => async (context: Context) => {
      if (!queued) return dispatch(context);
      const k = key(context);
      if (k) await queued.enqueueWebhook(context, k);
    };
    const repoOf = (context: Context) => {
      const full = (context.payload as { repository?: { full_name?: string } }).repository?.full_name;
      return full ? repoKey(full) : undefined;
    };
    const instOf = (context: Context) =>
      installationKey((context.payload as { installation: { id: number } }).installation.id);

    // only what may change something is queued: commands by people, and edits of a body
    app.on(
      "issue_comment.created",
      on((c) => {
        const { comment, sender } = (c as Context<"issue_comment.created">).payload;
        if (isBot(comment.user) || isBot(sender)) return undefined;
        const parsed = parseCommands(comment.body);
        return parsed.commands.length || parsed.errors.length ? repoOf(c) : undefined;
      }),
    );
    app.on(
      "issues.edited",
      on((c) => {
        const { sender, changes } = (c as Context<"issues.edited">).payload;
        return !isBot(sender) && changes.body?.from !== undefined ? repoOf(c) : undefined;
      }),
    );
    app.on("installation", on(instOf));
    app.on("installation_repositories", on(instOf));

    const handler = httpHandler({
      enqueueRunDue: queued && (() => queued.runDue()),
      health: queued && (() => queued.health()),
      runSecret: opts.runSecret,
      startDue: () => scheduler.startDue({ discover: true, recheckUnconfigured: true }),
      version: opts.version ?? packageVersion(),
    });
    try {
      options.addHandler(handler);
    } catch (error) {
      app.log.debug({ err: error }, "no HTTP server: /health and /garden/run are not served");
    }
    if (queued) {
      queued.start();
      app.log.info(
        { concurrency: opts.queue!.concurrency, prefix: opts.queue!.prefix },
        "queue worker started: jobs and schedules in Redis (REDIS_URL)",
      );
      if (opts.exitOnSigterm) exitOnSigterm(app, queued);
    } else if (opts.scheduler ?? true) {
      scheduler.start();
      app.log.info("in-process scheduler started (GARDENER_SCHEDULER=off disables it)");
    }
    onReady?.({ scheduler, queued });
  };
}

function createQueued(app: Probot, opts: AppOptions, dispatch: (context: Context) => Promise<void>) {
  return new QueuedGardener({
    app,
    settings: opts.queue!,
    pass: passDeps(app, opts),
    octokitFor: installationOctokit(app),
    listInstallations: () => listInstallationRepos(app),
    dispatch,
  });
}

/** `/garden run` in this process: the pass under the scheduler's lock of the repo, tracked by `idle()`. */
function localPasses(scheduler: Scheduler, log: Probot["log"]): PassStarter {
  return {
    canStart: (full) => !scheduler.isBusy(full),
    start: async (gh, full, installationId, refresh, reply) => {
      const [owner, repo] = full.split("/");
      // started between the reply and now by a scheduled run: the reply is told so
      const pass = scheduler.trigger(full, installationId, refresh) ?? Promise.resolve(BUSY);
      scheduler.track(pass.then((result) => addPassOutcome(gh, { owner, repo }, reply, result, log)));
    },
  };
}

const BUSY = { status: "busy" } as const;

/**
 * `/garden run` with REDIS_URL: the pass joins the repo's queue, after the command that asked for it;
 * the worker that runs it adds its outcome to the reply.
 */
function queuedPasses(queued: QueuedGardener): PassStarter {
  return {
    canStart: () => true,
    start: async (gh, full, installationId, refresh, reply) => {
      try {
        await queued.enqueuePass(full, installationId, { force: true, refresh, reason: "command", reply });
      } catch (error) {
        queued.log.error({ err: error, repo: full }, "the pass could not be queued");
        const [owner, repo] = full.split("/");
        const message = `the pass could not be queued (${oneLine(error)})`;
        await addPassOutcome(gh, { owner, repo }, reply, { status: "failed", message }, queued.log);
      }
    },
  };
}

/** SIGTERM (a deploy, a scale-in): no new jobs, the current one finishes or is released, then exit. */
function exitOnSigterm(app: Probot, queued: QueuedGardener): void {
  process.once("SIGTERM", () => {
    app.log.info("SIGTERM: finishing the current jobs, then exiting");
    void queued
      .close()
      .catch((error: unknown) => app.log.error({ err: error }, "shutdown failed"))
      .finally(() => process.exit(0));
  });
}
