#!/usr/bin/env node
// `npm run bench:replicas [-- --no-redis --repos 60 …]`: bundles bench/replicas/main.ts (TypeScript,
// with the test fakes it uses; packages stay external) with esbuild and runs it. `npm run build` comes
// first (the script does it): the replicas run lib/app/main.js exactly as `npm start` does.
import { build } from "esbuild";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const outfile = path.join(root, "gardener-out", "bench", "replicas.mjs");
await build({
  entryPoints: [path.join(root, "bench", "replicas", "main.ts")],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  logLevel: "warning",
});
await import(pathToFileURL(outfile).href);
