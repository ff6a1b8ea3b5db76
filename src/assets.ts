import { fileURLToPath } from "node:url";
import path from "node:path";

/** The package root, both from src/ (tests) and lib/ (built). */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export function assetPath(relative: string): string {
  return path.join(root, relative);
}
