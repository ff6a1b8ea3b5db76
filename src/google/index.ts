export {
  buildFilter,
  cleanExtraFilter,
  FilterError,
  quote,
  serviceLabelFor,
  type LogQuery,
} from "./filter.js";
export { CloudLoggingError, type CloudLoggingErrorCode } from "./errors.js";
export {
  checkCredentials,
  gcloudCredentialsFile,
  NO_CREDENTIALS_MESSAGE,
  realHost,
  type CredentialSource,
  type CredentialsFound,
  type HostProbe,
} from "./credentials.js";
export {
  backoffDelay,
  DEFAULT_MAX_ENTRIES,
  DEFAULT_PAGE_SIZE,
  DEFAULT_RETRY,
  DEFAULT_TIMEOUT_MS,
  rawEntryOf,
  readCloudLogging,
  VIEWER_ROLE,
  type MalformedRecord,
  type ReadOptions,
  type ReadResult,
  type RetryPolicy,
} from "./read-entries.js";
