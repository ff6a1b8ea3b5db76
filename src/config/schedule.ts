import { CronExpressionParser } from "cron-parser";
import { parseDuration } from "./duration.js";

const NAMED: Record<string, string> = { hourly: "every 1h", daily: "every 1d" };

/** Next time a pass is due after `last`, for `hourly`, `daily`, `every 30m` or a cron expression (UTC). */
export function nextRun(schedule: string, last: Date): Date {
  const spec = NAMED[schedule] ?? schedule;
  const every = /^every\s+(.+)$/i.exec(spec);
  if (every) return new Date(last.getTime() + (parseDuration(every[1]) ?? 3_600_000));
  return CronExpressionParser.parse(spec, { currentDate: last, tz: "UTC" }).next().toDate();
}

export function isValidSchedule(schedule: string): boolean {
  const spec = NAMED[schedule] ?? schedule;
  const every = /^every\s+(.+)$/i.exec(spec);
  if (every) return (parseDuration(every[1]) ?? 0) >= 60_000;
  try {
    CronExpressionParser.parse(spec, { tz: "UTC" });
    return true;
  } catch {
    return false;
  }
}
