import { fileURLToPath } from "node:url";
import path from "node:path";

/** Defined (true) only in the GitHub Action's bundle, by scripts/bundle.mjs. */
declare const LOG_GARDENER_BUNDLE: boolean | undefined;

const here = path.dirname(fileURLToPath(import.meta.url));
/** The package root, both from src/ (tests) and lib/ (built); the bundle (dist/) has its own copies beside it. */
const root = typeof LOG_GARDENER_BUNDLE === "boolean" ? here : path.resolve(here, "..");

export function assetPath(relative: string): string {
  return path.join(root, relative);
}
