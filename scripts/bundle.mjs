// Builds the GitHub Action's bundle in dist/: index.mjs (every dependency inlined, the gRPC client's
// .json protos and client configs included), the templates and default triage rules it reads at run
// time, the licences of what it bundles, and manifest.json (the hashes and package versions it was built
// from). Deterministic: the same sources and lockfile give byte-identical files, so a conflict in dist/
// is resolved by running this again.
//   npm run bundle          write dist/
//   npm run bundle:check    cheap: are dist/ and the sources and packages it was built from unchanged?
//   node scripts/bundle.mjs --verify    rebuild in memory and compare byte for byte (CI)
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = path.join(root, "dist");
const FIX = "run `npm run bundle` and commit dist/";
const sha = (data) => createHash("sha256").update(data).digest("hex");
const read = (rel) => readFileSync(path.join(root, rel));
const packageOf = (input) => /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1];
const assets = () => [
  ...readdirSync(path.join(root, "templates"))
    .sort()
    .map((name) => `templates/${name}`),
  "config/default-triage.yml",
];

function onDisk(dir, prefix = "") {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? onDisk(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
    )
    .sort();
}

/** name@version of the package in `dir` (relative to the root). */
function packageId(dir) {
  const pkg = JSON.parse(read(`${dir}/package.json`));
  return { pkg, id: `${pkg.name}@${pkg.version}` };
}

async function bundle() {
  const { build, version } = await import("esbuild");
  const result = await build({
    absWorkingDir: root,
    entryPoints: ["src/action/main.ts"],
    outfile: "dist/index.mjs",
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // Names are kept (no identifier minification): a change to one module changes a few lines of the
    // bundle, not every line, so dist/ diffs stay small and stack traces stay readable.
    minifySyntax: true,
    minifyWhitespace: true,
    legalComments: "none",
    // ESM output; the CommonJS dependencies (google-gax, grpc-js…) call require() and read __dirname.
    banner: {
      js: [
        'import { createRequire as __lgCreateRequire } from "node:module";',
        'import { dirname as __lgDirname } from "node:path";',
        'import { fileURLToPath as __lgFileURLToPath } from "node:url";',
        "const require = __lgCreateRequire(import.meta.url);",
        "const __filename = __lgFileURLToPath(import.meta.url);",
        "const __dirname = __lgDirname(__filename);",
      ].join("\n"),
    },
    define: { LOG_GARDENER_BUNDLE: "true" },
    metafile: true,
    write: false,
    logLevel: "error",
  });
  const inputs = Object.keys(result.metafile.inputs).sort();
  const packageDirs = [...new Set(inputs.map(packageOf).filter(Boolean))].sort();
  const files = new Map();
  for (const out of result.outputFiles) files.set(path.relative(dist, out.path), Buffer.from(out.contents));
  for (const asset of assets()) files.set(asset, read(asset));
  files.set("licenses.txt", Buffer.from(licences(packageDirs)));
  const manifest = {
    about:
      "Written by `npm run bundle` (scripts/bundle.mjs); `npm run bundle:check` compares it with the sources.",
    esbuild: version,
    sources: Object.fromEntries(
      [...inputs.filter((i) => !packageOf(i)), ...assets(), "scripts/bundle.mjs"].map((f) => [
        f,
        sha(read(f)),
      ]),
    ),
    packages: Object.fromEntries(packageDirs.map((dir) => [dir, packageId(dir).id])),
    outputs: Object.fromEntries([...files].map(([name, data]) => [name, sha(data)])),
  };
  files.set("manifest.json", Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`));
  return files;
}

/** Name, version, licence and licence text of every package with code in the bundle. */
function licences(packageDirs) {
  const sections = packageDirs.map((dir) => {
    const { pkg, id } = packageId(dir);
    const file = readdirSync(path.join(root, dir))
      .sort()
      .find((f) => /^(licen[cs]e|copying)/i.test(f));
    const text = file ? read(`${dir}/${file}`).toString("utf8").trim() : "(no licence file)";
    return `${id} (${pkg.license ?? "unknown"})\n\n${text}\n`;
  });
  return [...new Set(sections)].sort().join(`\n${"-".repeat(72)}\n\n`);
}

/** What changed since the bundle was built, from its manifest (no build: milliseconds). */
function changes() {
  if (!existsSync(path.join(dist, "manifest.json"))) return ["dist/manifest.json is missing"];
  const m = JSON.parse(readFileSync(path.join(dist, "manifest.json"), "utf8"));
  const changed = [];
  const { version } = JSON.parse(read("node_modules/esbuild/package.json"));
  if (version !== m.esbuild) changed.push(`esbuild ${m.esbuild} → ${version}`);
  for (const [file, hash] of Object.entries(m.sources)) {
    if (!existsSync(path.join(root, file)) || sha(read(file)) !== hash) changed.push(file);
  }
  for (const asset of assets()) if (!(asset in m.sources)) changed.push(asset);
  for (const [dir, id] of Object.entries(m.packages)) {
    const now = existsSync(path.join(root, dir, "package.json")) ? packageId(dir).id : "(missing)";
    if (now !== id) changed.push(`${id} → ${now}`);
  }
  const expected = [...Object.keys(m.outputs), "manifest.json"].sort();
  for (const name of onDisk(dist)) {
    if (!expected.includes(name)) changed.push(`dist/${name} (not built)`);
    else if (name !== "manifest.json" && sha(readFileSync(path.join(dist, name))) !== m.outputs[name]) {
      changed.push(`dist/${name} (edited)`);
    }
  }
  for (const name of expected) if (!existsSync(path.join(dist, name))) changed.push(`dist/${name} (missing)`);
  return changed;
}

function stale(what) {
  console.error(
    `The Action's bundle is stale (${what.slice(0, 5).join(", ")}${what.length > 5 ? ", …" : ""}): ${FIX}`,
  );
  process.exit(1);
}

const mode = process.argv[2];
if (mode === "--check") {
  const changed = changes();
  if (changed.length > 0) stale(changed);
  console.log("dist/ is up to date with its sources");
} else if (mode === "--verify") {
  const files = await bundle();
  const present = onDisk(dist);
  const differ = [
    ...[...files]
      .filter(([n, d]) => !present.includes(n) || !readFileSync(path.join(dist, n)).equals(d))
      .map(([n]) => n),
    ...present.filter((n) => !files.has(n)),
  ];
  if (differ.length > 0) stale(differ.map((n) => `dist/${n}`));
  console.log(`dist/ is byte-identical to a fresh build (${files.size} files)`);
} else {
  const files = await bundle();
  rmSync(dist, { recursive: true, force: true });
  for (const [name, data] of files) {
    mkdirSync(path.dirname(path.join(dist, name)), { recursive: true });
    writeFileSync(path.join(dist, name), data);
  }
  console.log(
    `dist/index.mjs ${(files.get("index.mjs").length / 1024 / 1024).toFixed(2)} MiB, ${files.size} files`,
  );
}
