/** The multi-replica mode (REDIS_URL set): every Redis call of the app lives in this folder. */
export { queueSettingsFromEnv, QUEUE_DEFAULTS, type QueueSettings } from "./settings.js";
export {
  WorkQueue,
  QUEUE_NAME,
  type Entry,
  type EnqueueResult,
  type QueueLogger,
  type WorkQueueOptions,
} from "./work-queue.js";
export { Schedules, repeatFor, SCHEDULED_PASS, DISCOVER, type RepoSchedule } from "./schedules.js";
