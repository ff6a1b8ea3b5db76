import { run, type ProbotOctokit, type Server } from "probot";
import { createApp, type AppHandle } from "./create-app.js";
import { createAppLog, logSettingsFromEnv } from "./log.js";
import { optionsFromEnv, type AppOptions } from "./options.js";

export interface ServeOptions {
  env?: NodeJS.ProcessEnv;
  /** Where log lines go (default: stdout). */
  destination?: NodeJS.WritableStream;
  /** Options over those read from `env` (tests). */
  app?: AppOptions;
  Octokit?: typeof ProbotOctokit;
  onReady?: (handle: AppHandle) => void;
}

/**
 * The Probot server (`npm start`, the Docker image): Probot's `run` with the app and a logger that
 * redacts credentials, configured from the environment like `probot run` (APP_ID, PRIVATE_KEY, PORT…).
 */
export async function startServer(opts: ServeOptions = {}): Promise<Server> {
  const env = opts.env ?? process.env;
  const log = await createAppLog(logSettingsFromEnv(env), opts.destination);
  const { warnings, ...fromEnv } = optionsFromEnv(env);
  for (const w of warnings) log.warn(w);
  // With REDIS_URL the queue runs one job of an installation at a time across the replicas
  // (GARDENER_INSTALLATION_CONCURRENCY), so Probot paces that installation's requests in the process that
  // runs it. Probot would otherwise pace through Redis too (Bottleneck 2.19.5), which on Redis 7 fails
  // with "ERR SETTINGS_KEY_NOT_FOUND" once an installation was idle for 2 minutes.
  const probotEnv = fromEnv.queue ? { ...env, REDIS_URL: undefined } : env;
  return run(createApp({ ...fromEnv, ...opts.app }, opts.onReady), {
    env: probotEnv,
    log,
    Octokit: opts.Octokit,
  });
}
