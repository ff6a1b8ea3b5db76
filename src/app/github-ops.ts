import type { GitHub, RepoRef } from "../github/client.js";

export const WRITE_ROLES = new Set(["admin", "maintain", "write"]);

/** Whether `login` may run commands: write, maintain or admin on the repo (404: not a collaborator). */
export async function canWrite(gh: GitHub, repo: RepoRef, login: string): Promise<boolean> {
  try {
    const { data } = await gh.rest.repos.getCollaboratorPermissionLevel({ ...repo, username: login });
    const role = (data as { role_name?: string }).role_name;
    return WRITE_ROLES.has(role ?? "") || WRITE_ROLES.has(data.permission);
  } catch (error) {
    if ((error as { status?: number }).status === 404) return false;
    throw error;
  }
}

/** A sender that is a bot (the app itself included) never drives the bot. */
export function isBot(user: { type?: string; login?: string } | null | undefined): boolean {
  return !user || user.type === "Bot" || /\[bot\]$/i.test(user.login ?? "");
}

export function sameSet(a: string[], b: string[]): boolean {
  const x = new Set(a.map((s) => s.toLowerCase()));
  const y = new Set(b.map((s) => s.toLowerCase()));
  return x.size === y.size && [...x].every((s) => y.has(s));
}

/** A GitHub (or other) failure in one line, for a reply or a report: `HTTP 404: Not Found`. */
export function oneLine(error: unknown): string {
  const status = (error as { status?: unknown }).status;
  const text = (error instanceof Error ? error.message : String(error)).split("\n")[0].slice(0, 300);
  return typeof status === "number" && !text.startsWith(`HTTP ${status}`) ? `HTTP ${status}: ${text}` : text;
}
