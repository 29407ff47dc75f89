import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";
import { assertPortFree, waitForPort } from "./ports";

const run = promisify(execFile);

/** The npm package that ships the DynamoDB Local jar; only its tarball is fetched, not its dependencies. */
const PACKAGE = "amplify-dynamodb-simulator@2.9.30";
export const CACHE = join(import.meta.dirname, "../../.aviso/dynamodb-local");

/** Fetches DynamoDB Local once (npm pack from the registry) and returns the folder holding the jar. */
export async function ensureDynamoDbLocal(cache = CACHE): Promise<string> {
  const emulator = join(cache, "emulator");
  if (existsSync(join(emulator, "DynamoDBLocal.jar"))) return emulator;
  await mkdir(cache, { recursive: true });
  const work = await mkdtemp(join(tmpdir(), "aviso-ddb-"));
  try {
    const { stdout } = await run("npm", ["pack", PACKAGE, "--silent", "--pack-destination", work], {
      cwd: work,
    });
    const tarball = join(work, stdout.trim().split("\n").at(-1) ?? "");
    await run("tar", ["xzf", tarball, "-C", work, "package/emulator"]);
    await rm(emulator, { recursive: true, force: true });
    await rename(join(work, "package", "emulator"), emulator);
  } catch (error) {
    throw new Error(
      `could not fetch DynamoDB Local (${PACKAGE}) from the npm registry: ${(error as Error).message}`,
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return emulator;
}

/** The launcher that keeps DynamoDB Local on 127.0.0.1 (LoopbackDynamoDbLocal.java), as Java source. */
const LAUNCHER_SOURCE = join(import.meta.dirname, "LoopbackDynamoDbLocal.java");
const LAUNCHER_CLASS = "LoopbackDynamoDbLocal";
/** No browser origin matches it (.invalid is reserved): no page may read DynamoDB Local's answers. */
const NO_BROWSER_ORIGIN = "https://no-browser.invalid";

/**
 * Compiles the loopback launcher once (javac, from a JDK) into the cache, and returns its folder;
 * undefined when there is no javac. A folder per source version, moved in whole: two test workers
 * compiling at once cannot leave half a class behind.
 */
export async function ensureLoopbackLauncher(emulator: string, cache = CACHE): Promise<string | undefined> {
  const source = await readFile(LAUNCHER_SOURCE);
  const dir = join(cache, `loopback-${createHash("sha256").update(source).digest("hex").slice(0, 12)}`);
  if (existsSync(join(dir, `${LAUNCHER_CLASS}.class`))) return dir;
  // Compiled beside its final place: a rename within one file system.
  await mkdir(cache, { recursive: true });
  const work = await mkdtemp(join(cache, "loopback-tmp-"));
  const classpath = ["DynamoDBLocal.jar", join("DynamoDBLocal_lib", "*")]
    .map((p) => join(emulator, p))
    .join(delimiter);
  try {
    // For the Java that runs DynamoDB Local (11 or later), whatever the JDK's own version.
    await run("javac", ["--release", "11", "-cp", classpath, "-d", work, LAUNCHER_SOURCE]).catch(() =>
      run("javac", ["-cp", classpath, "-d", work, LAUNCHER_SOURCE]),
    );
    await rename(work, dir).catch(async (error) => {
      if (!existsSync(join(dir, `${LAUNCHER_CLASS}.class`))) throw error;
    });
    return dir;
  } catch {
    return undefined;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  /**
   * True: bound to 127.0.0.1, answering loopback host names and no browser. False when no JDK could
   * compile the launcher: then DynamoDB Local listens on every interface, as its jar always does.
   */
  loopbackOnly: boolean;
  stop(): Promise<void>;
}

/**
 * Starts DynamoDB Local: in memory, or on disk under `dataDir`. Java must be on the PATH; with a JDK
 * (javac) it is kept to 127.0.0.1, see ensureLoopbackLauncher.
 */
export async function startDynamoDbLocal(options: {
  port: number;
  dataDir?: string;
}): Promise<DynamoDbLocal> {
  await assertPortFree(options.port, "DynamoDB Local");
  const emulator = await ensureDynamoDbLocal();
  if (options.dataDir) await mkdir(options.dataDir, { recursive: true });
  const storage = options.dataDir ? ["-dbPath", options.dataDir] : ["-inMemory"];
  const launcher = await ensureLoopbackLauncher(emulator);
  const main = launcher
    ? [
        "-cp",
        [launcher, join(emulator, "DynamoDBLocal.jar"), join(emulator, "DynamoDBLocal_lib", "*")].join(
          delimiter,
        ),
        LAUNCHER_CLASS,
      ]
    : ["-jar", join(emulator, "DynamoDBLocal.jar")];
  const child: ChildProcess = spawn(
    "java",
    [
      "-Xmx4g",
      // The throughput collector: on a small machine it leaves more of the CPU to the requests.
      "-XX:+UseParallelGC",
      `-Djava.library.path=${join(emulator, "DynamoDBLocal_lib")}`,
      ...main,
      ...storage,
      "-sharedDb",
      // No network here, and no reason to report usage from a developer's machine.
      "-disableTelemetry",
      // Its default is "*": any page could read it.
      "-cors",
      NO_BROWSER_ORIGIN,
      "-port",
      String(options.port),
    ],
    { cwd: emulator, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // A Node process that dies without stopping it (a crash, a killed test worker) must not leave a
  // JVM behind holding its port and memory.
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  void exited.then(() => process.off("exit", killOnExit));
  child.once("error", (error) => {
    output += `\n${error.message}`;
  });
  try {
    await waitForPort(options.port, 30_000, "DynamoDB Local");
  } catch (error) {
    child.kill("SIGKILL");
    throw new Error(`${(error as Error).message}\n${output.slice(-2000)}`);
  }
  return {
    endpoint: `http://127.0.0.1:${options.port}`,
    port: options.port,
    loopbackOnly: launcher !== undefined,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill("SIGKILL");
      }
    },
  };
}
