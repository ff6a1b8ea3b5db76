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
  return run(createApp({ ...fromEnv, ...opts.app }, opts.onReady), { env, log, Octokit: opts.Octokit });
}
