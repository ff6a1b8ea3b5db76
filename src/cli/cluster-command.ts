// `log-gardener cluster [FILE|-] [--ids] [--state FILE]`: clusters plain messages, one per line, or Cloud
// Logging entries (a gcloud JSON array or JSON Lines, detected as `run --logs` detects them), which are
// grouped exactly as a pass groups them: per service and identity, stack traces by their shape.
// Kept free of heavy imports (no probot, no Google clients) so that it starts fast.
import { createReadStream, fstatSync, statSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { readFile, rename, writeFile } from "node:fs/promises";
import { Readable } from "node:stream";
import { Worker } from "node:worker_threads";
import { clusterEntries } from "../cluster/aggregate.js";
import { ChunkMasker, type MaskedBlock } from "../cluster/chunk-masker.js";
import { LineCache } from "../cluster/line-cache.js";
import { TemplateMiner, type MinerState } from "../cluster/miner.js";
import { parseLogText, UnreadableFileError, type MalformedRecord } from "../entries/file-source.js";
import type { LogEntry } from "../entries/log-entry.js";

export interface ClusterCommandOptions {
  file?: string;
  ids: boolean;
  state?: string;
  /**
   * Mask plain text on these from the start, or on those a function makes once `decideAfter` lines
   * (65,536) are read and most did not repeat; by default on worker threads for a file of 8 MB or more.
   */
  maskers?: BlockMaskers | (() => BlockMaskers | undefined);
  decideAfter?: number;
}

export interface ClusterCommandIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

class UsageError extends Error {}

/** Output is flushed in blocks of about this many characters. */
const FLUSH_AT = 1 << 20;
/** Input is read in blocks of this many bytes. */
const READ_BLOCK = 1 << 20;

function parseState(text: string, path: string): MinerState {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError(`state file ${path} is not valid JSON`);
  }
  const v = value as { version?: unknown; templates?: unknown };
  if (typeof v !== "object" || v === null || v.version !== 1 || !Array.isArray(v.templates)) {
    throw new UsageError(
      `state file ${path} is not a cluster state (expected {"version":1,"templates":[...]})`,
    );
  }
  for (const t of v.templates as unknown[]) {
    const e = t as { id?: unknown; template?: unknown; count?: unknown };
    if (
      typeof e !== "object" ||
      e === null ||
      typeof e.id !== "string" ||
      typeof e.template !== "string" ||
      (e.count !== undefined && typeof e.count !== "number")
    ) {
      throw new UsageError(`state file ${path} has a template entry without a string id and template`);
    }
  }
  return value as MinerState;
}

function stdinIsFile(): boolean {
  try {
    return fstatSync(0).isFile();
  } catch {
    return false;
  }
}

async function loadState(path: string): Promise<MinerState | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new UsageError(`cannot read state file ${path}: ${(err as Error).message}`);
  }
  return parseState(text, path);
}

async function saveState(path: string, state: MinerState): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(state) + "\n", "utf8");
  await rename(tmp, path);
}

function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(text, (err) => (err ? reject(err) : resolve()));
  });
}

export async function runClusterCommand(opts: ClusterCommandOptions, io: ClusterCommandIo): Promise<number> {
  try {
    const state = opts.state === undefined ? undefined : await loadState(opts.state);
    const miner = new TemplateMiner(state);
    const fromStdin = opts.file === undefined || opts.file === "-";
    // The process's own stdin is read in large blocks straight from its descriptor (much faster than
    // the default 64 KiB stream for a million lines); any other stream (tests) is read as it is.
    const input = !fromStdin
      ? createReadStream(opts.file as string, { highWaterMark: READ_BLOCK })
      : io.stdin === process.stdin && stdinIsFile()
        ? createReadStream("", { fd: 0, highWaterMark: READ_BLOCK, autoClose: false })
        : io.stdin;
    if (!fromStdin) {
      const fileStream = input as ReturnType<typeof createReadStream>;
      await new Promise<void>((resolve, reject) => {
        fileStream.once("open", () => resolve());
        fileStream.once("error", (err: NodeJS.ErrnoException) =>
          reject(
            new UsageError(
              `cannot read ${opts.file}: ${err.code === "ENOENT" ? "no such file" : err.message}`,
            ),
          ),
        );
      });
    }

    const chunks = peekable(input as AsyncIterable<Buffer | string>);
    const head = await chunks.peek();
    if (head !== undefined && /^\s*[[{]/.test(head)) {
      const text = await readText(chunks);
      const entries = entriesOf(text, opts.file ?? "-");
      if (entries !== undefined) {
        await clusterLogEntries(entries, state, opts, io);
        return 0;
      }
      return await clusterLines(miner, Readable.from([text]), opts, io, opts.maskers);
    }
    const size = !fromStdin
      ? statSync(opts.file as string).size
      : io.stdin === process.stdin && stdinIsFile()
        ? fstatSync(0).size
        : 0;
    const maskers = opts.maskers ?? (size >= PARALLEL_BYTES ? threadMaskers : undefined);
    return await clusterLines(miner, chunks, opts, io, maskers);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`log-gardener cluster: ${err.message}\n`);
      return 2;
    }
    io.stderr.write(`log-gardener cluster: ${(err as Error).message}\n`);
    return 1;
  }
}

/** An async iterable whose first chunk can be looked at before iterating (as text). */
function peekable(input: AsyncIterable<Buffer | string>) {
  const iterator = input[Symbol.asyncIterator]();
  let first: IteratorResult<Buffer | string> | undefined;
  return {
    async peek(): Promise<string | undefined> {
      first ??= await iterator.next();
      if (first.done) return undefined;
      const v = first.value;
      return typeof v === "string" ? v.slice(0, 256) : v.subarray(0, 256).toString("utf8");
    },
    async *[Symbol.asyncIterator]() {
      if (first !== undefined) {
        if (first.done) return;
        yield first.value;
      }
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield next.value;
      }
    },
  };
}

async function readText(input: AsyncIterable<Buffer | string>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of input) parts.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(parts).toString("utf8");
}

/**
 * The entries of a gcloud JSON array or JSON Lines text, or undefined when the text is not one (plain
 * messages that happen to start with `[` or `{`: then each line is a message).
 */
function entriesOf(text: string, where: string): Array<LogEntry | MalformedRecord> | undefined {
  let parsed;
  try {
    parsed = parseLogText(text, where, EPOCH);
  } catch (err) {
    if (err instanceof UnreadableFileError) return undefined;
    throw err;
  }
  if (parsed.format === "json-lines" && parsed.entries.length === 0) return undefined;
  // one id per input record, in order: malformed records keep their place
  const records: Array<LogEntry | MalformedRecord> = [...parsed.entries];
  for (const bad of parsed.malformed) {
    const at = recordIndex(bad.where);
    records.splice(Math.min(at, records.length), 0, bad);
  }
  return records;
}

/** Position of a malformed record among all records, from `file:LINE` or `file[INDEX]`. */
function recordIndex(where: string): number {
  const m = /(?:\[(\d+)\]|:(\d+))$/.exec(where);
  return m ? Number(m[1] ?? Number(m[2]) - 1) : Number.MAX_SAFE_INTEGER;
}

/** Plain text lines carry no time; entries without one get this fixed instant (ids never depend on it). */
const EPOCH = new Date(0);

async function clusterLogEntries(
  records: Array<LogEntry | MalformedRecord>,
  state: MinerState | undefined,
  opts: ClusterCommandOptions,
  io: ClusterCommandIo,
): Promise<void> {
  const entries = records.filter((r): r is LogEntry => "message" in r);
  const { clusters, assigned, minerState } = clusterEntries(entries, { samples: 1, minerState: state });
  const malformed = records.length - entries.length;
  if (malformed > 0) io.stderr.write(`log-gardener cluster: ${malformed} malformed record(s) skipped\n`);
  if (opts.ids) {
    let out = "";
    let next = 0;
    for (const record of records) out += ("message" in record ? assigned[next++] : "malformed") + "\n";
    await write(io.stdout, out);
  } else {
    const rows = clusters
      .map((c) => ({ n: c.count, id: c.fingerprint, text: `${c.service ?? "-"}  ${c.template}` }))
      .sort((a, b) => b.n - a.n || (a.id < b.id ? -1 : 1));
    await write(io.stdout, table(rows));
  }
  if (opts.state !== undefined) await saveState(opts.state, minerState);
}

function table(rows: Array<{ n: number; id: string; text: string }>): string {
  const width = Math.max(5, ...rows.map((r) => String(r.n).length));
  let text = `${"COUNT".padStart(width)}  ${"ID".padEnd(12)}  TEMPLATE\n`;
  for (const r of rows) {
    text += `${String(r.n).padStart(width)}  ${r.id.padEnd(12)}  ${r.text.replace(/\n/g, "\\n")}\n`;
  }
  return text;
}

/**
 * Where each line's handle goes: with --ids one 32-bit handle per line (each line's id is printed, in
 * order, once the whole input is seen); for the table only a count per handle (handles are few: bounded
 * by the templates).
 */
function handleSink(ids: boolean) {
  let handles = new Uint32Array(ids ? 1 << 16 : 0);
  let lines = 0;
  const perHandle: number[] = [];
  return {
    record(handle: number): void {
      if (!ids) {
        perHandle[handle] = (perHandle[handle] ?? 0) + 1;
        return;
      }
      if (lines === handles.length) {
        const grown = new Uint32Array(handles.length * 2);
        grown.set(handles);
        handles = grown;
      }
      handles[lines++] = handle;
    },
    async print(miner: TemplateMiner, io: ClusterCommandIo): Promise<void> {
      if (ids) {
        const idOf: string[] = [];
        let out = "";
        for (let i = 0; i < lines; i++) {
          const h = handles[i];
          out += idOf[h] ??= miner.resolve(h).id + "\n";
          if (out.length >= FLUSH_AT) {
            await write(io.stdout, out);
            out = "";
          }
        }
        if (out !== "") await write(io.stdout, out);
        return;
      }
      const counts = new Map<string, number>();
      perHandle.forEach((n, handle) => {
        const id = miner.resolve(handle).id;
        counts.set(id, (counts.get(id) ?? 0) + n);
      });
      const rows = [...counts].map(([id, n]) => ({ n, id, text: miner.template(id) ?? "" }));
      rows.sort((a, b) => b.n - a.n || (a.id < b.id ? -1 : 1));
      await write(io.stdout, table(rows));
    },
  };
}

/** Lines read before deciding whether to mask on other threads, and the share of repeats that keeps one. */
const DECIDE_AFTER = 1 << 16;
const REPEATS_KEEP_ONE_THREAD = 0.5;

/**
 * Observes each line (a byte range of the input, without its `\n` and a trailing `\r`), looking repeats
 * up in a line cache first. Where `parallel` offers maskers, and most of the first lines did not repeat
 * (every line must be masked), the rest of the input is masked in blocks on other threads instead.
 */
async function clusterLines(
  miner: TemplateMiner,
  input: AsyncIterable<Buffer | string>,
  opts: ClusterCommandOptions,
  io: ClusterCommandIo,
  parallel?: BlockMaskers | (() => BlockMaskers | undefined),
): Promise<number> {
  // Every line is observed first; templates are final only once the whole input is seen (`finish`).
  const sink = handleSink(opts.ids);
  const cache = new LineCache();
  const decideAfter = opts.decideAfter ?? DECIDE_AFTER;
  const chunks = input[Symbol.asyncIterator]();
  let rest: Buffer | undefined;
  let lines = 0;
  let repeats = 0;
  let maskers: BlockMaskers | undefined;
  const line = (buf: Buffer, start: number, end: number) => {
    if (end > start && buf[end - 1] === 13) end--;
    let handle = cache.lookup(buf, start, end);
    if (handle >= 0) {
      miner.repeat(handle);
      repeats++;
    } else {
      handle = miner.observe(buf.toString("utf8", start, end));
      cache.store(buf, start, end, handle);
    }
    lines++;
    sink.record(handle);
  };
  try {
    for (;;) {
      if (parallel !== undefined && (typeof parallel !== "function" || lines >= decideAfter)) {
        if (typeof parallel !== "function") maskers = parallel;
        else if (repeats < lines * REPEATS_KEEP_ONE_THREAD) maskers = parallel();
        parallel = undefined;
        if (maskers !== undefined) break;
      }
      const next = await chunks.next();
      if (next.done) break;
      let buf = typeof next.value === "string" ? Buffer.from(next.value, "utf8") : next.value;
      if (rest !== undefined) {
        buf = Buffer.concat([rest, buf]);
        rest = undefined;
      }
      let start = 0;
      let nl = buf.indexOf(10, start);
      while (nl >= 0) {
        line(buf, start, nl);
        start = nl + 1;
        nl = buf.indexOf(10, start);
      }
      if (start < buf.length) rest = buf.subarray(start);
    }
    if (maskers !== undefined) {
      const first = rest;
      rest = undefined;
      const remaining = (async function* () {
        if (first !== undefined) yield first;
        for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield next.value;
      })();
      await observeBlocks(miner, remaining, maskers, sink.record);
    }
  } finally {
    if (maskers !== undefined && maskers !== opts.maskers) await maskers.close();
  }
  if (rest !== undefined && !(rest.length === 1 && rest[0] === 13)) line(rest, 0, rest.length);
  miner.finish();
  await sink.print(miner, io);
  if (opts.state !== undefined) await saveState(opts.state, miner.state());
  return 0;
}

/**
 * Maskers of blocks of lines, each with its own numbering of keys (see cluster/chunk-masker.ts); block
 * k goes to masker k modulo their number, and each answers its blocks in the order they were sent.
 */
export interface BlockMaskers {
  readonly maskers: ReadonlyArray<(block: ArrayBuffer) => Promise<MaskedBlock>>;
  close(): Promise<void>;
}

/** Maskers on this thread (tests; `keyLimit` as in ChunkMasker). */
export function ownThreadMaskers(count: number, keyLimit?: number): BlockMaskers {
  const maskers = Array.from({ length: count }, () => new ChunkMasker(keyLimit));
  return { maskers: maskers.map((m) => async (block) => m.mask(Buffer.from(block))), close: async () => {} };
}

/** Blocks in flight per masker. */
const IN_FLIGHT = 2;

/**
 * Sends the input in blocks of whole lines to the maskers and observes the masked keys in input order:
 * a key the first time its masker names it, a repeat of its handle afterwards.
 */
async function observeBlocks(
  miner: TemplateMiner,
  input: AsyncIterable<Buffer | string>,
  { maskers }: BlockMaskers,
  record: (handle: number) => void,
): Promise<void> {
  const keys: string[][] = maskers.map(() => []);
  const handles: number[][] = maskers.map(() => []);
  const pending: Array<{ from: number; result: Promise<MaskedBlock> }> = [];
  let sent = 0;
  const send = (bytes: Buffer) => {
    const block = new ArrayBuffer(bytes.length);
    Buffer.from(block).set(bytes);
    const from = sent++ % maskers.length;
    const result = maskers[from](block);
    result.catch(() => {}); // (awaited in turn below; a failing thread must not fail the process first)
    pending.push({ from, result });
  };
  const take = async (keep: number) => {
    while (pending.length > keep) {
      const { from, result } = pending.shift() as (typeof pending)[number];
      const block = await result;
      if (block.reset) {
        keys[from] = [];
        handles[from] = [];
      }
      const known = keys[from];
      const handleOf = handles[from];
      for (const key of block.keys) known.push(key);
      for (const number of block.lines) {
        let handle = handleOf[number];
        if (handle === undefined) handle = handleOf[number] = miner.observeKey(known[number]);
        else miner.repeat(handle);
        record(handle);
      }
    }
  };
  let carry: Buffer | undefined;
  for await (const chunk of input) {
    let buf = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
    if (carry !== undefined) buf = Buffer.concat([carry, buf]);
    const nl = buf.lastIndexOf(10);
    if (nl < 0) {
      carry = buf;
      continue;
    }
    send(buf.subarray(0, nl + 1));
    carry = nl + 1 < buf.length ? Buffer.from(buf.subarray(nl + 1)) : undefined;
    await take(IN_FLIGHT * maskers.length);
  }
  if (carry !== undefined) send(carry);
  await take(0);
}

/** Inputs at least this large are masked on other threads, when the machine has more than one core. */
const PARALLEL_BYTES = 8 << 20;

/**
 * Maskers for a machine with more than one core: this thread masks every so many blocks itself, worker
 * threads (one per other core, up to three) the others. Undefined on a single core, and while the other
 * cores are busy (load average): there the threads only take turns, and their overhead costs time.
 */
function threadMaskers(): BlockMaskers | undefined {
  const count = Math.min(availableParallelism(), 4) - 1;
  if (count < 1 || loadavg()[0] >= count) return undefined;
  const workers = Array.from(
    { length: count },
    () =>
      new Worker(new URL("./cluster-worker.js", import.meta.url), {
        resourceLimits: { maxYoungGenerationSizeMb: 8 },
      }),
  );
  const own = new ChunkMasker();
  const maskers = workers.map((worker) => {
    const waiting: Array<{ resolve: (b: MaskedBlock) => void; reject: (e: Error) => void }> = [];
    worker.on("message", (block: MaskedBlock) => waiting.shift()?.resolve(block));
    worker.on("error", (err) => {
      for (const w of waiting.splice(0)) w.reject(err);
    });
    return (block: ArrayBuffer) =>
      new Promise<MaskedBlock>((resolve, reject) => {
        waiting.push({ resolve, reject });
        worker.postMessage(block, [block]);
      });
  });
  return {
    maskers: [...maskers, async (block: ArrayBuffer) => own.mask(Buffer.from(block))],
    close: async () => void (await Promise.all(workers.map((w) => w.terminate()))),
  };
}
