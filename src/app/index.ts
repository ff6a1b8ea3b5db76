import type { ApplicationFunction } from "probot";
import { createApp } from "./create-app.js";
import { optionsFromEnv } from "./options.js";

export { createApp, createScheduler, type AppHandle } from "./create-app.js";
export { runAllInstallations, type RunAllOptions, type RunAllResult } from "./run-all.js";
export { parseAllowList, allowedProjects, type AllowList } from "./allow-list.js";
export { parseCommands, type Command } from "./commands/parse.js";
export { runRepoPass, type RepoPassResult, type PassDeps } from "./pass-runner.js";
export type { AppOptions } from "./options.js";

/** Entry of `probot run ./lib/app/index.js`: the app configured from the environment. */
const app: ApplicationFunction = (probot, options) => {
  const { warnings, ...opts } = optionsFromEnv();
  for (const w of warnings) probot.log.warn(w);
  return createApp(opts)(probot, options);
};
export default app;
