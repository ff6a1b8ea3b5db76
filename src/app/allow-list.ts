/**
 * Which Google Cloud projects each repository may read, decided by the server (env
 * `GARDENER_ALLOWED_PROJECTS`), never by the repository's own config:
 *
 *   GARDENER_ALLOWED_PROJECTS="acme/api=acme-prod,acme-staging;acme/*=acme-shared"
 *
 * Entries are separated by `;` or new lines; each is `owner/repo=project[,project…]` or
 * `owner/*=project[,project…]`. Names are case-insensitive. A repo's own entry, when there is one,
 * replaces its owner's `owner/*` entry (so one repo can be narrowed). Unset or empty: no repo may read
 * any project.
 */
export type AllowList = ReadonlyMap<string, readonly string[]>;

export interface ParsedAllowList {
  list: AllowList;
  errors: string[];
}

const KEY_RE = /^[\w.-]+\/(?:[\w.-]+|\*)$/;
const PROJECT_RE = /^[a-z][a-z0-9:.-]{0,99}$/i;

export function parseAllowList(text: string | undefined): ParsedAllowList {
  const list = new Map<string, string[]>();
  const errors: string[] = [];
  for (const raw of (text ?? "").split(/[;\n]/)) {
    const entry = raw.trim();
    if (entry === "") continue;
    const eq = entry.indexOf("=");
    const key = (eq < 0 ? entry : entry.slice(0, eq)).trim().toLowerCase();
    const projects =
      eq < 0
        ? []
        : entry
            .slice(eq + 1)
            .split(",")
            .map((p) => p.trim())
            .filter(Boolean);
    if (!KEY_RE.test(key)) {
      errors.push(`GARDENER_ALLOWED_PROJECTS: "${entry}": expected owner/repo or owner/* before "="`);
      continue;
    }
    const bad = projects.filter((p) => !PROJECT_RE.test(p));
    if (projects.length === 0 || bad.length > 0) {
      errors.push(`GARDENER_ALLOWED_PROJECTS: "${entry}": expected project ids after "=", comma-separated`);
      continue;
    }
    list.set(key, [...new Set([...(list.get(key) ?? []), ...projects])]);
  }
  return { list, errors };
}

/** The projects `owner/repo` may read: its own entry, else its owner's `owner/*` entry, else none. */
export function allowedProjects(list: AllowList, owner: string, repo: string): readonly string[] {
  const o = owner.toLowerCase();
  return list.get(`${o}/${repo.toLowerCase()}`) ?? list.get(`${o}/*`) ?? [];
}

export function isAllowed(list: AllowList, owner: string, repo: string, project: string): boolean {
  return allowedProjects(list, owner, repo).includes(project);
}
