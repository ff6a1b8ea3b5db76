import type { Probot } from "probot";
import type { GitHub } from "../github/client.js";
import { oneLine } from "./github-ops.js";
import type { InstallationRepos } from "./scheduler.js";

/** An installation whose repos could not be listed (its token or its listing failed). */
export interface InstallationFailure {
  /** Absent: the app's list of installations itself failed. */
  installation?: number;
  message: string;
}

export interface Discovery {
  installations: InstallationRepos[];
  failures: InstallationFailure[];
}

/**
 * Every installation of the app that is not suspended, with the repos it covers. One installation
 * whose token or listing fails is reported in `failures` and the others are still listed; only a
 * failure of the app's own list of installations throws.
 */
export async function listInstallationRepos(app: Pick<Probot, "auth">): Promise<Discovery> {
  const appOctokit = (await app.auth()) as GitHub;
  const installations = await appOctokit.paginate(appOctokit.rest.apps.listInstallations, { per_page: 100 });
  const out: InstallationRepos[] = [];
  const failures: InstallationFailure[] = [];
  for (const inst of installations) {
    if (inst.suspended_at) continue;
    try {
      const gh = (await app.auth(inst.id)) as GitHub;
      const repos = (await gh.paginate(gh.rest.apps.listReposAccessibleToInstallation, {
        per_page: 100,
      })) as unknown as Array<{ full_name: string }>;
      out.push({ id: inst.id, repos: repos.map((r) => r.full_name) });
    } catch (error) {
      failures.push({ installation: inst.id, message: oneLine(error) });
    }
  }
  return { installations: out, failures };
}
