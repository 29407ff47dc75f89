import { execFile } from "node:child_process";
import { mkdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { build } from "esbuild";
import type { Figure } from "./figure";

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "../..");
const OUT = join(ROOT, ".aviso/bench-bundles");

/** The same esbuild options the stack gives NodejsFunction (infra/stack.ts). */
async function bundle(name: string, entry: string, external: string[] = []): Promise<string> {
  const outfile = join(OUT, name, "index.mjs");
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    minify: true,
    mainFields: ["module", "main"],
    external: ["@aws-sdk/*", ...external],
    banner: {
      js: "import { createRequire as __avisoRequire } from 'node:module'; const require = __avisoRequire(import.meta.url);",
    },
    logLevel: "silent",
  });
  return outfile;
}

/** Median wall time of importing the bundle in a fresh Node process (module load only). */
async function coldImportMs(file: string, runs = 5): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const { stdout } = await run(process.execPath, [
      "--input-type=module",
      "-e",
      `const t = performance.now(); await import(${JSON.stringify(`file://${file}`)}); console.log(performance.now() - t);`,
    ]);
    times.push(Number(stdout.trim()));
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

/** Bytes on disk of a package and everything it depends on, from package-lock.json. */
async function installedTreeBytes(name: string): Promise<number> {
  const { readFile } = await import("node:fs/promises");
  const lock = JSON.parse(await readFile(join(ROOT, "package-lock.json"), "utf8")) as {
    packages: Record<string, { dependencies?: Record<string, string> }>;
  };
  const seen = new Set<string>();
  const queue = [`node_modules/${name}`];
  while (queue.length > 0) {
    const key = queue.pop() as string;
    if (seen.has(key) || !lock.packages[key]) continue;
    seen.add(key);
    for (const dep of Object.keys(lock.packages[key]?.dependencies ?? {})) {
      const nested = `${key}/node_modules/${dep}`;
      queue.push(lock.packages[nested] ? nested : `node_modules/${dep}`);
    }
  }
  const { stdout } = await run("du", ["-sb", "--", ...[...seen].map((key) => join(ROOT, key))]);
  return stdout
    .trim()
    .split("\n")
    .reduce((sum, line) => sum + Number(line.split("\t")[0]), 0);
}

export async function bundleFigures(): Promise<Figure[]> {
  await rm(OUT, { recursive: true, force: true });
  await mkdir(OUT, { recursive: true });
  const handlers = ["inbound-email", "outbox", "timers", "ticket-events", "ses-events"];
  const figures: Figure[] = [];
  let outbox = { size: 0, ms: 0 };
  for (const name of handlers) {
    const file = await bundle(name, join(ROOT, "functions/handlers/aws", `${name}.ts`));
    const size = (await stat(file)).size;
    const ms = await coldImportMs(file);
    if (name === "outbox") outbox = { size, ms };
    figures.push({
      name: `bundle ${name}`,
      value: Math.round(size / 1024),
      unit: "KiB",
      note: `${size} bytes; cold import ${ms.toFixed(0)} ms (median of 5); budget 500 KB`,
    });
  }
  // MJML resolves its own files at run time and cannot be bundled: it ships as node_modules,
  // as NodejsFunction's nodeModules option would do. Its size is that installed tree.
  const mjmlFile = await bundle("mjml-runtime", join(ROOT, "tools/bench/mjml-runtime-entry.ts"), ["mjml"]);
  const mjmlSize = (await stat(mjmlFile)).size + (await installedTreeBytes("mjml"));
  const mjmlMs = await coldImportMs(mjmlFile);
  figures.push({
    name: "bundle compiling MJML at run time",
    value: Math.round(mjmlSize / 1024),
    unit: "KiB",
    note: `${mjmlSize} bytes; cold import ${mjmlMs.toFixed(0)} ms`,
  });
  figures.push({
    name: "MJML-at-run-time bundle ÷ outbox bundle",
    value: Math.round((mjmlSize / outbox.size) * 100) / 100,
    unit: "× size",
    note: `cold import ${(mjmlMs / outbox.ms).toFixed(2)}× as slow`,
  });
  return figures;
}
