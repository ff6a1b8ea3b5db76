import { readFile } from "node:fs/promises";
import type { LogEntry } from "./log-entry.js";
import { MalformedEntryError, entryFromText, normalizeEntry } from "./normalize.js";

export interface MalformedRecord {
  where: string;
  reason: string;
}

export interface FileReadResult {
  entries: LogEntry[];
  malformed: MalformedRecord[];
  format: "json-array" | "json-lines" | "text";
}

/** The file is not one of the formats we read at all (as opposed to a few bad records in it). */
export class UnreadableFileError extends Error {}

async function readAll(path: string, stdin: NodeJS.ReadableStream): Promise<string> {
  if (path !== "-") return readFile(path, "utf8");
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks).toString("utf8");
}

function normalizeInto(raw: unknown, where: string, out: FileReadResult): void {
  try {
    out.entries.push(normalizeEntry(raw));
  } catch (error) {
    if (!(error instanceof MalformedEntryError)) throw error;
    out.malformed.push({ where, reason: error.message });
  }
}

/**
 * Reads `gcloud logging read --format=json` output (a JSON array), JSON Lines of LogEntry objects, or plain
 * text with one message per line. `-` reads stdin. Bad records are counted in `malformed` and skipped.
 */
export async function readLogFile(
  path: string,
  stdin: NodeJS.ReadableStream,
  /** Plain-text lines carry no time: they are stamped with this. */
  now: Date,
): Promise<FileReadResult> {
  return parseLogText(await readAll(path, stdin), path, now);
}

/** Which format a log text is in, by its first character (as `readLogFile` reads it). */
export function detectLogFormat(text: string): FileReadResult["format"] {
  const first = text.trimStart()[0];
  return first === "[" ? "json-array" : first === "{" ? "json-lines" : "text";
}

/** Parses the text of a log file (see `readLogFile`); `path` names it in errors. */
export function parseLogText(text: string, path: string, now: Date): FileReadResult {
  const first = text.trimStart()[0];
  if (first === "[") {
    let records: unknown;
    try {
      records = JSON.parse(text);
    } catch (error) {
      throw new UnreadableFileError(`${path}: not a valid JSON array (${(error as Error).message})`);
    }
    const out: FileReadResult = { entries: [], malformed: [], format: "json-array" };
    (records as unknown[]).forEach((raw, i) => normalizeInto(raw, `${path}[${i}]`, out));
    return out;
  }
  const lines = text.split(/\r?\n/);
  if (first === "{") {
    const out: FileReadResult = { entries: [], malformed: [], format: "json-lines" };
    lines.forEach((line, i) => {
      if (line.trim() === "") return;
      let raw: unknown;
      try {
        raw = JSON.parse(line);
      } catch {
        out.malformed.push({ where: `${path}:${i + 1}`, reason: "not valid JSON" });
        return;
      }
      normalizeInto(raw, `${path}:${i + 1}`, out);
    });
    return out;
  }
  const entries = lines.filter((line) => line.trim() !== "").map((line) => entryFromText(line, now));
  return { entries, malformed: [], format: "text" };
}
