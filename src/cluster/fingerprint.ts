import { createHash } from "node:crypto";

/**
 * Version of the fingerprint algorithm; issue markers keep older fingerprints as aliases. 2: named
 * placeholders and merged variable-length templates (new patterns mine other template ids).
 */
export const FINGERPRINT_VERSION = 2;

/** A short stable hash of the parts that identify a pattern (never line numbers or variable values). */
export function fingerprint(...parts: Array<string | undefined>): string {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part ?? "").update("\u0000");
  return hash.digest("hex").slice(0, 12);
}
