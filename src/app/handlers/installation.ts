import type { Context } from "probot";

/** The in-process scheduler, or with REDIS_URL the queue's schedulers: what an installation event changes. */
export interface RepoRegistry {
  addRepos(installationId: number, repos: string[]): void | Promise<void>;
  removeRepos(repos: string[]): void | Promise<void>;
  removeInstallation(installationId: number): void | Promise<void>;
  discover(): Promise<unknown>;
  /** The repos known now (the in-process scheduler only). */
  repos?(): string[];
}

type Repo = { full_name?: string };
const names = (repos: Repo[] | undefined) => (repos ?? []).flatMap((r) => (r.full_name ? [r.full_name] : []));

/** Installation events add and remove repos without a restart. */
export async function onInstallation(
  context: Context<"installation">,
  scheduler: RepoRegistry,
): Promise<void> {
  const { action, installation } = context.payload;
  const repos = (context.payload as { repositories?: Repo[] }).repositories;
  if (action === "deleted" || action === "suspend") await scheduler.removeInstallation(installation.id);
  else if (action === "created") await scheduler.addRepos(installation.id, names(repos));
  else if (action === "unsuspend") {
    void scheduler
      .discover()
      .catch((error: unknown) => context.log.error({ err: error }, "listing installations failed"));
  }
  context.log.info(
    { installation: installation.id, action, repos: scheduler.repos?.().length },
    "installation changed",
  );
}

export async function onInstallationRepositories(
  context: Context<"installation_repositories">,
  scheduler: RepoRegistry,
): Promise<void> {
  const { installation, repositories_added, repositories_removed } = context.payload;
  await scheduler.addRepos(installation.id, names(repositories_added));
  await scheduler.removeRepos(names(repositories_removed));
  context.log.info(
    { installation: installation.id, repos: scheduler.repos?.().length },
    "installation repositories changed",
  );
}
