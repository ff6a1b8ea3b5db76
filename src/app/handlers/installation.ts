import type { Context } from "probot";
import type { Scheduler } from "../scheduler.js";

type Repo = { full_name?: string };
const names = (repos: Repo[] | undefined) => (repos ?? []).flatMap((r) => (r.full_name ? [r.full_name] : []));

/** Installation events add and remove repos without a restart. */
export function onInstallation(context: Context<"installation">, scheduler: Scheduler): void {
  const { action, installation } = context.payload;
  const repos = (context.payload as { repositories?: Repo[] }).repositories;
  if (action === "deleted" || action === "suspend") scheduler.removeInstallation(installation.id);
  else if (action === "created") scheduler.addRepos(installation.id, names(repos));
  else if (action === "unsuspend") {
    void scheduler
      .discover()
      .catch((error: unknown) => context.log.error({ err: error }, "listing installations failed"));
  }
  context.log.info(
    { installation: installation.id, action, repos: scheduler.repos().length },
    "installation changed",
  );
}

export function onInstallationRepositories(
  context: Context<"installation_repositories">,
  scheduler: Scheduler,
): void {
  const { installation, repositories_added, repositories_removed } = context.payload;
  scheduler.addRepos(installation.id, names(repositories_added));
  scheduler.removeRepos(names(repositories_removed));
  context.log.info(
    { installation: installation.id, repos: scheduler.repos().length },
    "installation repositories changed",
  );
}
