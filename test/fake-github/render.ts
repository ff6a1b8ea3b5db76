/** JSON renderings of the fake's state in GitHub's REST shapes. */
import type {
  FakeComment,
  FakeInstallation,
  FakeIssue,
  FakeLabel,
  FakeReaction,
  FakeRepo,
  FakeUser,
  PermissionLevel,
} from "./state.js";

export interface Urls {
  /** API base, e.g. http://127.0.0.1:1234 (with /api/v3 when the request used it) */
  api: string;
  /** web base for html_url, e.g. https://github.com */
  html: string;
}

export function renderUser(u: FakeUser, urls: Urls): Record<string, unknown> {
  return {
    login: u.login,
    id: u.id,
    node_id: `U_fake${u.id}`,
    avatar_url: `${urls.html}/avatars/u/${u.id}`,
    gravatar_id: "",
    url: `${urls.api}/users/${encodeURIComponent(u.login)}`,
    html_url: `${urls.html}/${u.type === "Bot" ? "apps/" + u.login.replace(/\[bot\]$/, "") : u.login}`,
    type: u.type,
    site_admin: false,
  };
}

export function renderLabel(l: FakeLabel, repo: FakeRepo, urls: Urls): Record<string, unknown> {
  return {
    id: l.id,
    node_id: l.node_id,
    url: `${urls.api}/repos/${repo.fullName}/labels/${encodeURIComponent(l.name)}`,
    name: l.name,
    color: l.color,
    default: l.default,
    description: l.description,
  };
}

function reactionSummary(rs: FakeReaction[], url: string): Record<string, unknown> {
  const count = (c: string) => rs.filter((r) => r.content === c).length;
  return {
    url,
    total_count: rs.length,
    "+1": count("+1"),
    "-1": count("-1"),
    laugh: count("laugh"),
    hooray: count("hooray"),
    confused: count("confused"),
    heart: count("heart"),
    rocket: count("rocket"),
    eyes: count("eyes"),
  };
}

export function renderReaction(r: FakeReaction, urls: Urls): Record<string, unknown> {
  return {
    id: r.id,
    node_id: r.node_id,
    user: renderUser(r.user, urls),
    content: r.content,
    created_at: r.created_at,
  };
}

export function authorAssociation(repo: FakeRepo, u: FakeUser): string {
  if (u.login.toLowerCase() === repo.owner.toLowerCase()) return "OWNER";
  if (u.type === "Bot") return "NONE";
  const p: PermissionLevel = repo.permissionOf(u.login);
  return p === "none" || p === "read" ? "NONE" : "COLLABORATOR";
}

export function renderIssue(i: FakeIssue, repo: FakeRepo, urls: Urls): Record<string, unknown> {
  const api = `${urls.api}/repos/${repo.fullName}/issues/${i.number}`;
  return {
    url: api,
    repository_url: `${urls.api}/repos/${repo.fullName}`,
    labels_url: `${api}/labels{/name}`,
    comments_url: `${api}/comments`,
    events_url: `${api}/events`,
    html_url: `${urls.html}/${repo.fullName}/issues/${i.number}`,
    id: i.id,
    node_id: i.node_id,
    number: i.number,
    title: i.title,
    user: renderUser(i.user, urls),
    labels: i.labels.map((l) => renderLabel(l, repo, urls)),
    state: i.state,
    locked: i.locked,
    assignee: i.assignees[0] ? renderUser(i.assignees[0], urls) : null,
    assignees: i.assignees.map((u) => renderUser(u, urls)),
    milestone: null,
    comments: repo.commentsOn(i.number).length,
    created_at: i.created_at,
    updated_at: i.updated_at,
    closed_at: i.closed_at,
    closed_by: i.closed_by ? renderUser(i.closed_by, urls) : null,
    author_association: authorAssociation(repo, i.user),
    active_lock_reason: null,
    body: i.body,
    reactions: reactionSummary(i.reactions, `${api}/reactions`),
    timeline_url: `${api}/timeline`,
    performed_via_github_app: null,
    state_reason: i.state_reason,
  };
}

export function renderComment(c: FakeComment, repo: FakeRepo, urls: Urls): Record<string, unknown> {
  const api = `${urls.api}/repos/${repo.fullName}/issues/comments/${c.id}`;
  return {
    url: api,
    html_url: `${urls.html}/${repo.fullName}/issues/${c.issue_number}#issuecomment-${c.id}`,
    issue_url: `${urls.api}/repos/${repo.fullName}/issues/${c.issue_number}`,
    id: c.id,
    node_id: c.node_id,
    user: renderUser(c.user, urls),
    created_at: c.created_at,
    updated_at: c.updated_at,
    author_association: authorAssociation(repo, c.user),
    body: c.body,
    reactions: reactionSummary(c.reactions, `${api}/reactions`),
    performed_via_github_app: null,
  };
}

export function renderRepo(repo: FakeRepo, owner: FakeUser, urls: Urls): Record<string, unknown> {
  return {
    id: repo.id,
    node_id: `R_fake${repo.id}`,
    name: repo.name,
    full_name: repo.fullName,
    private: false,
    owner: renderUser(owner, urls),
    html_url: `${urls.html}/${repo.fullName}`,
    url: `${urls.api}/repos/${repo.fullName}`,
    default_branch: "main",
    has_issues: repo.hasIssues,
    archived: repo.archived,
    disabled: false,
    visibility: "public",
  };
}

export function renderInstallation(inst: FakeInstallation, appId: number, appSlug: string, urls: Urls) {
  return {
    id: inst.id,
    account: renderUser(inst.account, urls),
    repository_selection: "selected",
    access_tokens_url: `${urls.api}/app/installations/${inst.id}/access_tokens`,
    repositories_url: `${urls.api}/installation/repositories`,
    html_url: `${urls.html}/settings/installations/${inst.id}`,
    app_id: appId,
    app_slug: appSlug,
    target_id: inst.account.id,
    target_type: inst.account.type === "User" ? "User" : "Organization",
    permissions: { issues: "write", metadata: "read", contents: "read" },
    events: ["issues", "issue_comment", "installation", "installation_repositories"],
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
    single_file_name: null,
    suspended_at: null,
    suspended_by: null,
  };
}
