/** The bench's world: installations, repos with a short schedule, one log pattern per repo, commands. */
import type { SimpleEntry } from "../../test/fake-logging-server.js";
import type { FakeGitHub, FakeIssue } from "../../test/fake-github/index.js";

export interface World {
  installations: Array<{ id: number; account: string; repositories: string[] }>;
  repos: string[];
  /** repo → its Cloud Logging project (one each, so a read names its repo) */
  projectOf: Map<string, string>;
  repoOfProject: Map<string, string>;
  /** GARDENER_ALLOWED_PROJECTS for the replicas */
  allowList: string;
}

export function makeWorld(repoCount: number, installationCount: number): World {
  const installations = Array.from({ length: installationCount }, (_, i) => ({
    id: 1001 + i,
    account: `bench-org-${i + 1}`,
    repositories: [] as string[],
  }));
  const projectOf = new Map<string, string>();
  const repoOfProject = new Map<string, string>();
  for (let n = 0; n < repoCount; n++) {
    const inst = installations[n % installationCount];
    const repo = `${inst.account}/svc-${String(n + 1).padStart(3, "0")}`;
    inst.repositories.push(repo);
    const project = `lgb-${n + 1}`;
    projectOf.set(repo, project);
    repoOfProject.set(project, repo);
  }
  const repos = installations.flatMap((i) => i.repositories);
  const allowList = installations
    .map((i) => `${i.account}/*=${i.repositories.map((r) => projectOf.get(r)).join(",")}`)
    .join(";");
  return { installations, repos, projectOf, repoOfProject, allowList };
}

export function repoConfig(project: string, periodMinutes: number): string {
  return [
    `project: ${project}`,
    `schedule: "*/${periodMinutes} * * * *"`,
    "window: 1h",
    "severity: WARNING",
    "",
  ].join("\n");
}

export const MAINTAINER = "maint";

export function seedGitHub(gh: FakeGitHub, world: World, periodMinutes: number): void {
  gh.setPermission(MAINTAINER, "maintain");
  for (const repo of world.repos) {
    gh.setFile(".github/log-gardener.yml", repoConfig(world.projectOf.get(repo)!, periodMinutes), repo);
  }
}

/**
 * One batch of `size` entries of the same pattern ("payment … declined"), written 15 s before `at` and
 * received at `at`: every repo reads the same entries from its own project.
 */
export function entryBatch(batch: number, size: number, at: number): SimpleEntry[] {
  return Array.from({ length: size }, (_, i) => {
    const written = new Date(at - 15_000 + i * 10).toISOString();
    return {
      insertId: `bench-${batch}-${i}`,
      logName: "projects/bench/logs/run.googleapis.com%2Fstderr",
      resource: { type: "cloud_run_revision", labels: { service_name: "checkout" } },
      severity: "ERROR",
      timestamp: written,
      receiveTimestamp: new Date(at).toISOString(),
      jsonPayload: {
        message: `payment ${4000 + batch * 100 + i} declined for order 7c9e6679-7425-40de-944b-e07fc1f9${String(batch * 100 + i).padStart(4, "0")}`,
      },
    };
  });
}

const COMMANDS = ["/garden priority P1", "/garden step 1 done", "/garden status", "/garden snooze 7d"];

export interface PlannedCommand {
  repo: string;
  installationId: number;
  issue: FakeIssue;
  source: string;
}

/** `count` commands on the open issues the bot filed, one per repo, repos picked at random. */
export function planCommands(
  gh: FakeGitHub,
  world: World,
  count: number,
  random: () => number,
): PlannedCommand[] {
  const candidates: PlannedCommand[] = [];
  for (const inst of world.installations) {
    for (const repo of inst.repositories) {
      const [owner, name] = repo.split("/");
      const issue = gh
        .repo(owner, name)
        .issues.find(
          (i) =>
            i.state === "open" &&
            i.user.type === "Bot" &&
            !i.labels.some((l) => l.name === "log-gardener:dashboard"),
        );
      if (issue) candidates.push({ repo, installationId: inst.id, issue, source: "" });
    }
  }
  for (let i = candidates.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [candidates[i], candidates[j]] = [candidates[j], candidates[i]];
  }
  return candidates.slice(0, count).map((c, i) => ({ ...c, source: COMMANDS[i % COMMANDS.length] }));
}

/** The `issue_comment.created` payload GitHub sends for a maintainer's comment. */
export function commentPayload(cmd: PlannedCommand, commentId: number): object {
  const [owner, name] = cmd.repo.split("/");
  const i = cmd.issue;
  return {
    action: "created",
    issue: {
      number: i.number,
      title: i.title,
      body: i.body,
      state: i.state,
      labels: i.labels.map((l) => ({ name: l.name })),
      user: { login: i.user.login, type: i.user.type },
    },
    comment: { id: commentId, body: cmd.source, user: { login: MAINTAINER, type: "User" } },
    repository: {
      id: 1,
      name,
      full_name: cmd.repo,
      owner: { login: owner, type: "Organization" },
    },
    sender: { login: MAINTAINER, type: "User" },
    installation: { id: cmd.installationId },
  };
}
