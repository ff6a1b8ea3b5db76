import type { Probot } from "probot";
import type { GitHub } from "../github/client.js";
import type { InstallationRepos } from "./scheduler.js";

/** Every installation of the app that is not suspended, with the repos it covers. */
export async function listInstallationRepos(app: Pick<Probot, "auth">): Promise<InstallationRepos[]> {
  const appOctokit = (await app.auth()) as GitHub;
  const installations = await appOctokit.paginate(appOctokit.rest.apps.listInstallations, { per_page: 100 });
  const out: InstallationRepos[] = [];
  for (const inst of installations) {
    if (inst.suspended_at) continue;
    const gh = (await app.auth(inst.id)) as GitHub;
    const repos = (await gh.paginate(gh.rest.apps.listReposAccessibleToInstallation, {
      per_page: 100,
    })) as unknown as Array<{
      full_name: string;
    }>;
    out.push({ id: inst.id, repos: repos.map((r) => r.full_name) });
  }
  return out;
}
