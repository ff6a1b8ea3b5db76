// A cache of raw input lines, as bytes, to the miner handle of the line seen first: a million log lines
// are mostly a few thousand shapes, and most of those differ only in digits. Keys are the line's bytes
// with every digit 1-9 read as `1`: the mask rules never tell those digits apart (they look at digit
// classes and counts, and `0` only in `0x`), and no digit survives masking, so two such lines always
// mask to the same key and get the same handle from `TemplateMiner.observe` (masks.test.ts checks it).
// No string is made for a line found here. Lines longer than MAX_LINE are not cached.

const SLOTS = 1 << 18;
const MAX_ENTRIES = 1 << 17;
const ARENA = 1 << 24;
const MAX_LINE = 512;
/** Lookups per hit-rate sample, and lines skipped when fewer than 1 in 20 hit. */
const SAMPLE = 1 << 16;
const PAUSE = 1 << 20;

/** Each byte as the cache reads it: digits 1-9 as `1`. */
const NORM = new Uint8Array(256);
for (let b = 0; b < 256; b++) NORM[b] = b >= 49 && b <= 57 ? 49 : b;

export class LineCache {
  private readonly slots = new Int32Array(SLOTS);
  private readonly hashes = new Int32Array(MAX_ENTRIES + 1);
  private readonly offsets = new Int32Array(MAX_ENTRIES + 1);
  private readonly lengths = new Int32Array(MAX_ENTRIES + 1);
  private readonly handles = new Int32Array(MAX_ENTRIES + 1);
  private readonly arena = Buffer.allocUnsafe(ARENA);
  private entries = 0;
  private used = 0;
  private paused = 0;
  private tried = 0;
  private hits = 0;
  /** Slot and hash of the last lookup that missed, for `store`. */
  private slot = -1;
  private hash = 0;

  /** The handle stored for a line equal to `buf[start, end)` (digits 1-9 alike), or -1. */
  lookup(buf: Buffer, start: number, end: number): number {
    this.slot = -1;
    const length = end - start;
    if (length > MAX_LINE) return -1;
    if (this.paused > 0) {
      this.paused--;
      return -1;
    }
    // the hash reads the first bytes and then every fourth one: the comparison below reads them all
    let h = 0x811c9dc5 ^ length;
    const dense = Math.min(end, start + 24);
    let i = start;
    for (; i < dense; i++) h = Math.imul(h ^ NORM[buf[i]], 0x01000193);
    for (; i < end; i += 4) h = Math.imul(h ^ NORM[buf[i]], 0x01000193);
    let at = (h ^ (h >>> 15)) & (SLOTS - 1);
    const arena = this.arena;
    for (;;) {
      const e = this.slots[at];
      if (e === 0) break;
      if (this.hashes[e] === h && this.lengths[e] === length) {
        let o = this.offsets[e];
        let i = start;
        while (i < end && NORM[buf[i]] === arena[o]) {
          i++;
          o++;
        }
        if (i === end) return this.sample(true, this.handles[e]);
      }
      at = (at + 1) & (SLOTS - 1);
    }
    this.slot = at;
    this.hash = h;
    return this.sample(false, -1);
  }

  /** Stores the handle of the line the last `lookup` missed. */
  store(buf: Buffer, start: number, end: number, handle: number): void {
    if (this.slot < 0) return;
    const length = end - start;
    if (this.entries === MAX_ENTRIES || this.used + length > ARENA) {
      this.clear();
      return;
    }
    const e = ++this.entries;
    const arena = this.arena;
    let o = this.used;
    for (let i = start; i < end; i++, o++) arena[o] = NORM[buf[i]];
    this.hashes[e] = this.hash;
    this.offsets[e] = this.used;
    this.lengths[e] = length;
    this.handles[e] = handle;
    this.used += length;
    this.slots[this.slot] = e;
    this.slot = -1;
  }

  /** Forgets every line. */
  clear(): void {
    this.slots.fill(0);
    this.entries = 0;
    this.used = 0;
    this.slot = -1;
  }

  /** Pauses the cache for a while when fewer than 1 in 20 lookups hit (lines that never repeat). */
  private sample(hit: boolean, result: number): number {
    this.tried++;
    if (hit) this.hits++;
    if (this.tried >= SAMPLE) {
      if (this.hits * 20 < this.tried) {
        this.paused = PAUSE;
        this.clear();
      }
      this.tried = 0;
      this.hits = 0;
    }
    return result;
  }
}

/** The key `LineCache` compares for a line of text: digits 1-9 read as `1`. */
export function digitKey(line: string): string {
  return line.replace(/[2-9]/g, "1");
}
