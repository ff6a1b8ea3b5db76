import type { ApplicationFunction, ApplicationFunctionOptions, Probot } from "probot";
import { systemClock } from "../clock.js";
import type { GitHub } from "../github/client.js";
import { syncGarden } from "./garden.js";
import { onIssueEdited } from "./handlers/checklist.js";
import { onIssueComment } from "./handlers/comment.js";
import { onInstallation, onInstallationRepositories } from "./handlers/installation.js";
import { httpHandler } from "./http.js";
import { listInstallationRepos } from "./installations.js";
import { cloudLogSource } from "../pass/cloud-source.js";
import { packageVersion, type AppOptions } from "./options.js";
import { Scheduler } from "./scheduler.js";

export interface AppHandle {
  scheduler: Scheduler;
}

export function createScheduler(app: Pick<Probot, "auth" | "log">, opts: AppOptions): Scheduler {
  return new Scheduler({
    octokitFor: async (id) => {
      const gh = (await app.auth(id)) as GitHub;
      // the token now (this call is free of rate limit), so a refused token fails the pass instead of
      // reading as "no config file" (the config loader takes any 404 for a missing file)
      await gh.rest.rateLimit.get();
      return gh;
    },
    listInstallations: () => listInstallationRepos(app),
    pass: {
      allowList: opts.allowList ?? new Map(),
      readLogs: opts.readLogs ?? cloudLogSource({ logging: opts.googleClient }),
      garden: opts.garden ?? syncGarden,
      now: opts.now,
      log: app.log,
    },
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
    const deps = { scheduler, allowList: opts.allowList ?? new Map(), now };

    app.on("issue_comment.created", (context) => onIssueComment(context, deps));
    app.on("issues.edited", (context) => onIssueEdited(context, now));
    app.on("installation", async (context) => onInstallation(context, scheduler));
    app.on("installation_repositories", async (context) => onInstallationRepositories(context, scheduler));

    const handler = httpHandler({
      runSecret: opts.runSecret,
      runDue: async () => ({
        repos: await scheduler.runDue({ discover: true, recheckUnconfigured: true }),
        installations: scheduler.discoveryFailures,
      }),
      version: opts.version ?? packageVersion(),
    });
    try {
      options.addHandler(handler);
    } catch (error) {
      app.log.debug({ err: error }, "no HTTP server: /health and /garden/run are not served");
    }
    if (opts.scheduler ?? true) {
      scheduler.start();
      app.log.info("in-process scheduler started (GARDENER_SCHEDULER=off disables it)");
    }
    onReady?.({ scheduler });
  };
}
