/**
 * In-memory state of the fake GitHub: repositories with issues, comments, labels, files and
 * permissions; users; installations; a clock. Plain mutable objects, so tests can seed and assert
 * directly. The HTTP routes (./routes/*.ts) and the seeding helpers share the same mutation functions,
 * so seeded data looks exactly like data written through the API.
 */

export type StateReason = "completed" | "not_planned" | "reopened" | "duplicate";
export type PermissionLevel = "admin" | "maintain" | "write" | "triage" | "read" | "none";
export type UserType = "User" | "Bot" | "Organization";
export type ReactionContent = "+1" | "-1" | "laugh" | "confused" | "heart" | "hooray" | "rocket" | "eyes";

export const REACTION_CONTENTS: readonly ReactionContent[] = [
  "+1",
  "-1",
  "laugh",
  "confused",
  "heart",
  "hooray",
  "rocket",
  "eyes",
];

export interface FakeUser {
  login: string;
  id: number;
  type: UserType;
}

export interface FakeLabel {
  id: number;
  node_id: string;
  name: string;
  /** six hex digits, no leading '#' */
  color: string;
  description: string | null;
  default: boolean;
}

export interface FakeReaction {
  id: number;
  node_id: string;
  content: ReactionContent;
  user: FakeUser;
  created_at: string;
}

export interface FakeIssue {
  id: number;
  node_id: string;
  number: number;
  title: string;
  body: string | null;
  state: "open" | "closed";
  state_reason: StateReason | null;
  /** the label objects of the repo (same references: renaming a repo label renames it here) */
  labels: FakeLabel[];
  user: FakeUser;
  assignees: FakeUser[];
  locked: boolean;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  closed_by: FakeUser | null;
  reactions: FakeReaction[];
}

export interface FakeComment {
  id: number;
  node_id: string;
  issue_number: number;
  body: string;
  user: FakeUser;
  created_at: string;
  updated_at: string;
  reactions: FakeReaction[];
}

export interface FakeInstallation {
  id: number;
  account: FakeUser;
  /** full names "owner/name" */
  repositories: string[];
}

/** Error thrown by state mutations and route handlers; turned into a GitHub-like JSON error response. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body.message === "string" ? body.message : `HTTP ${status}`);
  }
}

export const DOCS = "https://docs.github.com/rest";

export function notFound(): ApiError {
  return new ApiError(404, { message: "Not Found", documentation_url: DOCS, status: "404" });
}

export interface ValidationErrorItem {
  resource: string;
  field?: string;
  code: "missing" | "missing_field" | "invalid" | "already_exists" | "unprocessable" | "custom";
  message?: string;
  value?: unknown;
}

/** GitHub's 422 shape: `{ message: "Validation Failed", errors: [...], documentation_url, status }`. */
export function validationFailed(...errors: ValidationErrorItem[]): ApiError {
  return new ApiError(422, { message: "Validation Failed", errors, documentation_url: DOCS, status: "422" });
}

export const MAX_BODY = 65536;
export const MAX_TITLE = 256;
const COLOR_RE = /^[0-9a-fA-F]{6}$/;

/** GitHub's timestamp format: second precision, `Z`. */
export function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

function nodeId(prefix: string, id: number): string {
  return `${prefix}_kwDO${Buffer.from(`fake:${prefix}:${id}`).toString("base64url")}`;
}

export interface IssueInit {
  title: string;
  body?: string | null;
  /** label names; unknown ones are created (color "ededed") */
  labels?: Array<string | { name: string }>;
  /** login; default: the bot */
  user?: string;
  assignees?: string[];
  state?: "open" | "closed";
  state_reason?: StateReason | null;
  locked?: boolean;
  created_at?: string | Date;
  updated_at?: string | Date;
  closed_at?: string | Date | null;
  /** force a number (must be unused); default: next number */
  number?: number;
}

export interface IssuePatch {
  title?: unknown;
  body?: unknown;
  state?: unknown;
  state_reason?: unknown;
  labels?: unknown;
  assignees?: unknown;
}

export class FakeState {
  private nextId = 1000;
  private fixedNow: Date | null = null;
  readonly users = new Map<string, FakeUser>();
  readonly repos = new Map<string, FakeRepo>();
  readonly installations = new Map<number, FakeInstallation>();
  /** token (as sent after "token "/"bearer ") → login of the caller */
  readonly tokenUsers = new Map<string, string>();
  /** token → its fine-grained permissions (as GITHUB_TOKEN's `permissions:`); tokens not listed may do anything */
  readonly tokenPermissions = new Map<
    string,
    Partial<Record<"issues" | "contents" | "metadata", "read" | "write">>
  >();
  /** permission given to users that were not seeded with setPermission */
  defaultPermission: PermissionLevel = "read";
  /** permissions that apply to every repo unless the repo has its own entry (lower-cased login) */
  readonly globalPermissions = new Map<string, PermissionLevel>();

  constructor(
    readonly botLogin: string,
    private readonly clock: () => Date,
    /** when set, only these repos exist (others answer 404) */
    readonly knownRepos: Set<string> | null,
  ) {
    this.user(botLogin, "Bot");
  }

  now(): Date {
    return this.fixedNow ? new Date(this.fixedNow) : this.clock();
  }

  nowIso(): string {
    return isoSeconds(this.now());
  }

  /** Freeze the clock at a time (null: back to the real/injected clock). */
  setTime(t: Date | string | null): void {
    this.fixedNow = t === null ? null : new Date(t);
  }

  /** Move a frozen clock forward (freezes it at now() first if not frozen). */
  advanceTime(ms: number): void {
    this.fixedNow = new Date(this.now().getTime() + ms);
  }

  id(): number {
    return ++this.nextId;
  }

  user(login: string, type?: UserType): FakeUser {
    const key = login.toLowerCase();
    let u = this.users.get(key);
    if (!u) {
      u = { login, id: this.id(), type: type ?? (login.endsWith("[bot]") ? "Bot" : "User") };
      this.users.set(key, u);
    } else if (type) {
      u.type = type;
    }
    return u;
  }

  get bot(): FakeUser {
    return this.user(this.botLogin);
  }

  repoExists(owner: string, name: string): boolean {
    return this.knownRepos === null || this.knownRepos.has(`${owner}/${name}`.toLowerCase());
  }

  /** The repo, created on first use. */
  repo(owner: string, name: string): FakeRepo {
    const key = `${owner}/${name}`.toLowerCase();
    let r = this.repos.get(key);
    if (!r) {
      r = new FakeRepo(this, owner, name, this.id());
      this.repos.set(key, r);
    }
    return r;
  }

  /** For HTTP routes: 404 when the fake was started with a fixed repo list that lacks this repo. */
  repoOr404(owner: string, name: string): FakeRepo {
    if (!this.repoExists(owner, name)) throw notFound();
    return this.repo(owner, name);
  }

  addInstallation(id: number, account: string, repositories: string[]): FakeInstallation {
    const inst: FakeInstallation = {
      id,
      account: this.user(account, this.users.get(account.toLowerCase())?.type ?? "Organization"),
      repositories: [...repositories],
    };
    this.installations.set(id, inst);
    return inst;
  }
}

export class FakeRepo {
  readonly issues: FakeIssue[] = [];
  readonly comments: FakeComment[] = [];
  readonly labels: FakeLabel[] = [];
  /** path (no leading slash) → UTF-8 content */
  readonly files = new Map<string, string>();
  /** lower-cased login → level */
  readonly permissions = new Map<string, PermissionLevel>();
  /** what GET /repos/{owner}/{repo} answers (has_issues, archived) */
  hasIssues = true;
  archived = false;
  private nextNumber = 1;

  constructor(
    private readonly state: FakeState,
    readonly owner: string,
    readonly name: string,
    readonly id: number,
  ) {}

  get fullName(): string {
    return `${this.owner}/${this.name}`;
  }

  issue(n: number): FakeIssue | undefined {
    return this.issues.find((i) => i.number === n);
  }

  issueOr404(n: number): FakeIssue {
    const i = this.issue(n);
    if (!i) throw notFound();
    return i;
  }

  commentsOn(n: number): FakeComment[] {
    return this.comments.filter((c) => c.issue_number === n);
  }

  comment(id: number): FakeComment | undefined {
    return this.comments.find((c) => c.id === id);
  }

  label(name: string): FakeLabel | undefined {
    const k = name.toLowerCase();
    return this.labels.find((l) => l.name.toLowerCase() === k);
  }

  permissionOf(login: string): PermissionLevel {
    const k = login.toLowerCase();
    if (k === this.owner.toLowerCase()) return "admin";
    return this.permissions.get(k) ?? this.state.globalPermissions.get(k) ?? this.state.defaultPermission;
  }

  setPermission(login: string, level: PermissionLevel): void {
    this.state.user(login);
    this.permissions.set(login.toLowerCase(), level);
  }

  /** Set (or, with null, delete) a file served by the contents API. */
  setFile(path: string, content: string | null): void {
    const p = path.replace(/^\/+/, "");
    if (content === null) this.files.delete(p);
    else this.files.set(p, content);
  }

  // ---- labels ---------------------------------------------------------------------------------------

  addLabel(name: string, color = "ededed", description: string | null = null): FakeLabel {
    if (typeof name !== "string" || name.trim() === "") {
      throw validationFailed({ resource: "Label", field: "name", code: "missing_field" });
    }
    if (this.label(name))
      throw validationFailed({ resource: "Label", field: "name", code: "already_exists" });
    if (!COLOR_RE.test(color)) throw validationFailed({ resource: "Label", field: "color", code: "invalid" });
    if (description !== null && description.length > 100) {
      throw validationFailed({
        resource: "Label",
        field: "description",
        code: "custom",
        message: "description is too long (maximum is 100 characters)",
      });
    }
    const id = this.state.id();
    const l: FakeLabel = {
      id,
      node_id: nodeId("LA", id),
      name,
      color: color.toLowerCase(),
      description,
      default: false,
    };
    this.labels.push(l);
    return l;
  }

  /** The repo label with this name, auto-created like GitHub does when an issue is labelled with it. */
  ensureLabel(name: string): FakeLabel {
    return this.label(name) ?? this.addLabel(name);
  }

  updateLabel(
    name: string,
    patch: { new_name?: unknown; color?: unknown; description?: unknown },
  ): FakeLabel {
    const l = this.label(name);
    if (!l) throw notFound();
    if (patch.new_name !== undefined) {
      if (typeof patch.new_name !== "string" || patch.new_name.trim() === "") {
        throw validationFailed({ resource: "Label", field: "name", code: "invalid" });
      }
      const other = this.label(patch.new_name);
      if (other && other !== l)
        throw validationFailed({ resource: "Label", field: "name", code: "already_exists" });
    }
    if (patch.color !== undefined && (typeof patch.color !== "string" || !COLOR_RE.test(patch.color))) {
      throw validationFailed({ resource: "Label", field: "color", code: "invalid" });
    }
    if (
      patch.description !== undefined &&
      patch.description !== null &&
      typeof patch.description !== "string"
    ) {
      throw validationFailed({ resource: "Label", field: "description", code: "invalid" });
    }
    if (typeof patch.description === "string" && patch.description.length > 100) {
      throw validationFailed({
        resource: "Label",
        field: "description",
        code: "custom",
        message: "description is too long (maximum is 100 characters)",
      });
    }
    if (typeof patch.new_name === "string") l.name = patch.new_name;
    if (typeof patch.color === "string") l.color = patch.color.toLowerCase();
    if (patch.description !== undefined) l.description = patch.description as string | null;
    return l;
  }

  deleteLabel(name: string): void {
    const l = this.label(name);
    if (!l) throw notFound();
    this.labels.splice(this.labels.indexOf(l), 1);
    for (const i of this.issues) i.labels = i.labels.filter((x) => x !== l);
  }

  // ---- issues ---------------------------------------------------------------------------------------

  private ts(v: string | Date | undefined | null, fallback: string): string {
    if (v === undefined || v === null) return fallback;
    return isoSeconds(new Date(v));
  }

  private labelList(v: unknown): FakeLabel[] {
    if (!Array.isArray(v)) throw validationFailed({ resource: "Issue", field: "labels", code: "invalid" });
    const out: FakeLabel[] = [];
    for (const x of v) {
      const name = typeof x === "string" ? x : x && typeof x === "object" && "name" in x ? x.name : undefined;
      if (typeof name !== "string" || name === "") {
        throw validationFailed({ resource: "Issue", field: "labels", code: "invalid", value: x });
      }
      const l = this.ensureLabel(name);
      if (!out.includes(l)) out.push(l);
    }
    return out;
  }

  private assigneeList(v: unknown): FakeUser[] {
    if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) {
      throw validationFailed({ resource: "Issue", field: "assignees", code: "invalid" });
    }
    return (v as string[]).map((l) => this.state.user(l));
  }

  private checkText(field: "title" | "body", v: unknown, max: number): void {
    if (v === null && field === "body") return;
    if (typeof v !== "string") {
      throw validationFailed({ resource: "Issue", field, code: "invalid", value: v });
    }
    if (field === "title" && v.trim() === "") {
      throw validationFailed({ resource: "Issue", field, code: "missing_field" });
    }
    if (v.length > max) {
      throw validationFailed({
        resource: "Issue",
        field,
        code: "custom",
        message: `${field} is too long (maximum is ${max} characters)`,
      });
    }
  }

  /** Create an issue (same validation as the API). */
  addIssue(init: IssueInit): FakeIssue {
    if ((init as { title?: unknown }).title === undefined) {
      throw new ApiError(422, {
        message: 'Invalid request.\n\n"title" wasn\'t supplied.',
        documentation_url: `${DOCS}/issues/issues#create-an-issue`,
        status: "422",
      });
    }
    this.checkText("title", init.title, MAX_TITLE);
    if (init.body !== undefined) this.checkText("body", init.body, MAX_BODY);
    const now = this.state.nowIso();
    const number = init.number ?? this.nextNumber;
    if (this.issue(number)) throw new Error(`fake-github: issue #${number} already exists`);
    this.nextNumber = Math.max(this.nextNumber, number + 1);
    const created = this.ts(init.created_at, now);
    const state = init.state ?? "open";
    const closedAt = state === "closed" ? this.ts(init.closed_at, created) : null;
    const id = this.state.id();
    const issue: FakeIssue = {
      id,
      node_id: nodeId("I", id),
      number,
      title: init.title,
      body: init.body ?? null,
      state,
      state_reason: state === "closed" ? (init.state_reason ?? "completed") : (init.state_reason ?? null),
      labels: init.labels ? this.labelList(init.labels) : [],
      user: init.user ? this.state.user(init.user) : this.state.bot,
      assignees: init.assignees ? this.assigneeList(init.assignees) : [],
      locked: init.locked ?? false,
      created_at: created,
      updated_at: this.ts(init.updated_at, closedAt ?? created),
      closed_at: closedAt,
      closed_by: state === "closed" ? this.state.bot : null,
      reactions: [],
    };
    this.issues.push(issue);
    this.issues.sort((a, b) => a.number - b.number);
    return issue;
  }

  /**
   * Update an issue like `PATCH /repos/{o}/{r}/issues/{n}`: title, body, state, state_reason, labels
   * (replace), assignees (replace). Validates everything before changing anything.
   */
  updateIssue(n: number, patch: IssuePatch, actor?: FakeUser): FakeIssue {
    const issue = this.issueOr404(n);
    if (patch.title !== undefined) this.checkText("title", patch.title, MAX_TITLE);
    if (patch.body !== undefined) this.checkText("body", patch.body, MAX_BODY);
    if (patch.state !== undefined && patch.state !== "open" && patch.state !== "closed") {
      throw validationFailed({ resource: "Issue", field: "state", code: "invalid", value: patch.state });
    }
    const reasons = ["completed", "not_planned", "reopened", "duplicate", null];
    if (patch.state_reason !== undefined && !reasons.includes(patch.state_reason as string | null)) {
      throw validationFailed({
        resource: "Issue",
        field: "state_reason",
        code: "invalid",
        value: patch.state_reason,
      });
    }
    const labels = patch.labels !== undefined ? this.labelList(patch.labels) : undefined;
    const assignees = patch.assignees !== undefined ? this.assigneeList(patch.assignees) : undefined;

    const now = this.state.nowIso();
    if (patch.title !== undefined) issue.title = patch.title as string;
    if (patch.body !== undefined) issue.body = patch.body as string | null;
    if (labels) issue.labels = labels;
    if (assignees) issue.assignees = assignees;
    const reason = patch.state_reason as StateReason | null | undefined;
    const newState = (patch.state as "open" | "closed" | undefined) ?? issue.state;
    if (newState === "closed") {
      if (issue.state === "open") {
        issue.state = "closed";
        issue.closed_at = now;
        issue.closed_by = actor ?? this.state.bot;
        issue.state_reason = reason && reason !== "reopened" ? reason : "completed";
      } else if (reason && reason !== "reopened") {
        issue.state_reason = reason; // changing the close reason of a closed issue
      }
    } else if (issue.state === "closed") {
      issue.state = "open";
      issue.closed_at = null;
      issue.closed_by = null;
      issue.state_reason = "reopened";
    } else if (reason !== undefined) {
      issue.state_reason = reason === "reopened" || reason === null ? reason : issue.state_reason;
    }
    issue.updated_at = now;
    return issue;
  }

  addLabelsToIssue(n: number, names: unknown): FakeLabel[] {
    const issue = this.issueOr404(n);
    const add = this.labelList(names);
    for (const l of add) if (!issue.labels.includes(l)) issue.labels.push(l);
    issue.updated_at = this.state.nowIso();
    return issue.labels;
  }

  setIssueLabels(n: number, names: unknown): FakeLabel[] {
    const issue = this.issueOr404(n);
    issue.labels = this.labelList(names);
    issue.updated_at = this.state.nowIso();
    return issue.labels;
  }

  removeLabelFromIssue(n: number, name: string): FakeLabel[] {
    const issue = this.issueOr404(n);
    const k = name.toLowerCase();
    const l = issue.labels.find((x) => x.name.toLowerCase() === k);
    if (!l) {
      throw new ApiError(404, {
        message: "Label does not exist",
        documentation_url: `${DOCS}/issues/labels#remove-a-label-from-an-issue`,
        status: "404",
      });
    }
    issue.labels = issue.labels.filter((x) => x !== l);
    issue.updated_at = this.state.nowIso();
    return issue.labels;
  }

  // ---- comments -------------------------------------------------------------------------------------

  private checkCommentBody(v: unknown): string {
    if (typeof v !== "string" || v === "") {
      throw validationFailed({ resource: "IssueComment", field: "body", code: "missing_field" });
    }
    if (v.length > MAX_BODY) {
      throw validationFailed({
        resource: "IssueComment",
        field: "body",
        code: "custom",
        message: `body is too long (maximum is ${MAX_BODY} characters)`,
      });
    }
    return v;
  }

  addComment(
    n: number,
    body: unknown,
    opts: { user?: string | FakeUser; created_at?: string | Date } = {},
  ): FakeComment {
    const issue = this.issueOr404(n);
    const text = this.checkCommentBody(body);
    const user =
      opts.user === undefined
        ? this.state.bot
        : typeof opts.user === "string"
          ? this.state.user(opts.user)
          : opts.user;
    const now = this.state.nowIso();
    const created = this.ts(opts.created_at, now);
    const id = this.state.id();
    const c: FakeComment = {
      id,
      node_id: nodeId("IC", id),
      issue_number: n,
      body: text,
      user,
      created_at: created,
      updated_at: created,
      reactions: [],
    };
    this.comments.push(c);
    issue.updated_at = created > issue.updated_at ? created : issue.updated_at;
    return c;
  }

  updateComment(id: number, body: unknown): FakeComment {
    const c = this.comment(id);
    if (!c) throw notFound();
    c.body = this.checkCommentBody(body);
    c.updated_at = this.state.nowIso();
    return c;
  }

  deleteComment(id: number): void {
    const c = this.comment(id);
    if (!c) throw notFound();
    this.comments.splice(this.comments.indexOf(c), 1);
  }

  addReaction(
    target: { reactions: FakeReaction[] },
    content: unknown,
    user: FakeUser,
  ): [FakeReaction, boolean] {
    if (!REACTION_CONTENTS.includes(content as ReactionContent)) {
      throw validationFailed({ resource: "Reaction", field: "content", code: "invalid", value: content });
    }
    const existing = target.reactions.find((r) => r.content === content && r.user === user);
    if (existing) return [existing, false];
    const id = this.state.id();
    const r: FakeReaction = {
      id,
      node_id: nodeId("REA", id),
      content: content as ReactionContent,
      user,
      created_at: this.state.nowIso(),
    };
    target.reactions.push(r);
    return [r, true];
  }
}
