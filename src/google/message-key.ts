// The normalised message that Log Analytics groups by: the miner's own masking, generated as SQL from the
// one source of masks (cluster/masks.ts). A single-line message of up to MAX_CHARS is masked in SQL
// exactly as the miner masks it, so a group is one masked shape to the miner. Other messages (stack
// traces, which the miner reduces to their frames, and very long ones) group by their text: never coarser
// than the miner, so a group never holds two shapes; the miner merges groups and adds their counts.
// (The rules spell their whitespace out, so Unicode spaces and vertical tabs mask alike in both engines.)
import { MAX_CHARS } from "../cluster/mask.js";
import { maskWithRules, sqlMaskExpression } from "../cluster/masks.js";

/** How a message becomes its group key, in SQL and in JavaScript. */
export interface MessageKey {
  /** A GoogleSQL expression of the key of the STRING expression `message`. */
  sql(message: string): string;
  js(message: string): string;
}

export function messageKey(): MessageKey {
  return {
    sql(message) {
      // BYTE_LENGTH bounds the UTF-16 length that MAX_CHARS counts (a character is never fewer bytes).
      return (
        `IF(BYTE_LENGTH(${message}) <= ${MAX_CHARS} AND STRPOS(${message}, CHR(10)) = 0, ` +
        `${sqlMaskExpression(message)}, SUBSTR(${message}, 1, ${MAX_CHARS}))`
      );
    },
    js(message) {
      if (Buffer.byteLength(message) <= MAX_CHARS && !message.includes("\n")) return maskWithRules(message);
      // SUBSTR counts code points, not UTF-16 units.
      return message.length > MAX_CHARS ? Array.from(message).slice(0, MAX_CHARS).join("") : message;
    },
  };
}
