/** The fake GitHub REST API for tests: see server.ts for the API, octokit-options.ts for fast clients. */
export { FAKE_GITHUB_EPOCH, startFakeGitHub } from "./server.js";
export type {
  FakeGitHub,
  FakeGitHubOptions,
  FaultSpec,
  Hold,
  RecordedRequest,
  RequestMatcher,
} from "./server.js";
export type {
  FakeComment,
  FakeInstallation,
  FakeIssue,
  FakeLabel,
  FakeReaction,
  FakeRepo,
  FakeState,
  FakeUser,
  IssueInit,
  IssuePatch,
  PermissionLevel,
  StateReason,
} from "./state.js";
export { MAX_BODY, MAX_TITLE } from "./state.js";
export {
  fastOctokitOptions,
  fastProbotOctokit,
  fastRetry,
  fastThrottle,
  noRetryOctokitOptions,
  passThroughGroup,
} from "./octokit-options.js";
export type {
  FastOptions,
  LimitHandler,
  OctokitOptions,
  RetryOptions,
  ThrottleOptions,
} from "./octokit-options.js";
