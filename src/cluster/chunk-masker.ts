// Masking of plain-text input in blocks of whole lines, apart from the miner, so that blocks can be
// masked on other threads while one thread feeds the masked keys to the miner in order. A block's result
// names each line's masked key by a small number; keys are sent once, when first seen. Lines that differ
// only in digits 1-9 mask alike (see line-cache.ts) and are looked up by their bytes without masking.
import { LineCache } from "./line-cache.js";
import { maskedKey } from "./mask.js";

export interface MaskedBlock {
  /** The masked key number of each line of the block, in order. */
  lines: Int32Array;
  /** Keys first seen in this block; their numbers follow those of the keys sent before. */
  keys: string[];
  /** The numbers start again from 0 with this block (earlier keys are forgotten). */
  reset: boolean;
}

/** Keys remembered before the numbering starts again (bounds memory on input that never repeats). */
const KEY_LIMIT = 1 << 16;

/**
 * Calls `onLine` for each line of `buf` as a byte range, without its `\n` and a trailing `\r`. A last line
 * without `\n` counts unless it is a lone `\r` (as the command reads a stream).
 */
export function forEachLineOf(buf: Buffer, onLine: (start: number, end: number) => void): void {
  let start = 0;
  let nl = buf.indexOf(10, start);
  while (nl >= 0) {
    onLine(start, nl > start && buf[nl - 1] === 13 ? nl - 1 : nl);
    start = nl + 1;
    nl = buf.indexOf(10, start);
  }
  const end = buf.length;
  if (start < end && !(end - start === 1 && buf[start] === 13)) {
    onLine(start, buf[end - 1] === 13 ? end - 1 : end);
  }
}

export class ChunkMasker {
  private readonly cache = new LineCache();
  private readonly numbers = new Map<string, number>();
  private count = 0;

  constructor(private readonly keyLimit = KEY_LIMIT) {}

  /** Masks the lines of a block (the last block of the input may end without `\n`). */
  mask(buf: Buffer): MaskedBlock {
    const reset = this.count >= this.keyLimit;
    if (reset) {
      this.numbers.clear();
      this.cache.clear();
      this.count = 0;
    }
    let lines = new Int32Array(1024);
    let n = 0;
    const keys: string[] = [];
    forEachLineOf(buf, (start, end) => {
      let number = this.cache.lookup(buf, start, end);
      if (number < 0) {
        const key = maskedKey(buf.toString("utf8", start, end));
        number = this.numbers.get(key) ?? -1;
        if (number < 0) {
          number = this.count++;
          this.numbers.set(key, number);
          keys.push(key);
        }
        this.cache.store(buf, start, end, number);
      }
      if (n === lines.length) {
        const grown = new Int32Array(n * 2);
        grown.set(lines);
        lines = grown;
      }
      lines[n++] = number;
    });
    return { lines: lines.subarray(0, n), keys, reset };
  }
}
