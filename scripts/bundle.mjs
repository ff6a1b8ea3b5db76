// Builds the GitHub Action's bundle in dist/: index.mjs (every dependency inlined, the gRPC client's
// .json protos and configs included), the templates and default triage rules it reads at run time, and
// the licences of what it bundles. Deterministic: the same sources and lockfile give byte-identical files,
// so a conflict in dist/ is resolved by running this again.
//   npm run bundle          write dist/
//   npm run bundle:check    exit 1 when dist/ differs from what the sources give (CI and `npm test`)
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = path.join(root, "dist");
const check = process.argv.includes("--check");

// ESM output; the CommonJS dependencies (google-gax, grpc-js…) call require() and read __dirname.
const banner = [
  'import { createRequire as __lgCreateRequire } from "node:module";',
  'import { dirname as __lgDirname } from "node:path";',
  'import { fileURLToPath as __lgFileURLToPath } from "node:url";',
  "const require = __lgCreateRequire(import.meta.url);",
  "const __filename = __lgFileURLToPath(import.meta.url);",
  "const __dirname = __lgDirname(__filename);",
].join("\n");

const result = await build({
  absWorkingDir: root,
  entryPoints: ["src/action/main.ts"],
  outfile: "dist/index.mjs",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  minify: true,
  legalComments: "none",
  banner: { js: banner },
  define: { LOG_GARDENER_BUNDLE: "true" },
  metafile: true,
  write: false,
  logLevel: "error",
});

/** path relative to dist/ → contents */
const files = new Map();
for (const out of result.outputFiles) files.set(path.relative(dist, out.path), Buffer.from(out.contents));
for (const name of readdirSync(path.join(root, "templates")).sort()) {
  files.set(`templates/${name}`, readFileSync(path.join(root, "templates", name)));
}
files.set("config/default-triage.yml", readFileSync(path.join(root, "config/default-triage.yml")));
files.set("licenses.txt", Buffer.from(licences(Object.keys(result.metafile.inputs))));

/** Name, version, licence and licence text of every package with code in the bundle, sorted. */
function licences(inputs) {
  const dirs = new Set();
  for (const input of inputs) {
    const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m) dirs.add(m[1]);
  }
  const sections = [...dirs].map((dir) => {
    const pkg = JSON.parse(readFileSync(path.join(root, dir, "package.json"), "utf8"));
    const file = readdirSync(path.join(root, dir))
      .sort()
      .find((f) => /^(licen[cs]e|copying)/i.test(f));
    const text = file ? readFileSync(path.join(root, dir, file), "utf8").trim() : "(no licence file)";
    return `${pkg.name}@${pkg.version} (${pkg.license ?? "unknown"})\n\n${text}\n`;
  });
  return [...new Set(sections)].sort().join(`\n${"-".repeat(72)}\n\n`);
}

function onDisk(dir, prefix = "") {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? onDisk(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
  );
}

if (check) {
  const present = onDisk(dist);
  const stale = [
    ...[...files].filter(([name, data]) => !present.includes(name) || !readFileSync(path.join(dist, name)).equals(data)),
    ...present.filter((name) => !files.has(name)).map((name) => [name]),
  ].map(([name]) => `dist/${name}`);
  if (stale.length > 0) {
    console.error(
      `The Action's bundle is stale (${stale.slice(0, 5).join(", ")}${stale.length > 5 ? ", …" : ""}): ` +
        "run `npm run bundle` and commit dist/",
    );
    process.exit(1);
  }
  console.log(`dist/ is up to date (${files.size} files)`);
} else {
  rmSync(dist, { recursive: true, force: true });
  for (const [name, data] of files) {
    mkdirSync(path.dirname(path.join(dist, name)), { recursive: true });
    writeFileSync(path.join(dist, name), data);
  }
  const size = files.get("index.mjs").length;
  console.log(`dist/index.mjs ${(size / 1024 / 1024).toFixed(2)} MiB, ${files.size} files in dist/`);
}
