import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

/** Starts DynamoDB Local: in memory, or on disk under `dataDir`. Java must be on the PATH. */
export async function startDynamoDbLocal(options: {
  port: number;
  dataDir?: string;
}): Promise<DynamoDbLocal> {
  await assertPortFree(options.port, "DynamoDB Local");
  const emulator = await ensureDynamoDbLocal();
  if (options.dataDir) await mkdir(options.dataDir, { recursive: true });
  const storage = options.dataDir ? ["-dbPath", options.dataDir] : ["-inMemory"];
  const child: ChildProcess = spawn(
    "java",
    [
      "-Xmx4g",
      // The throughput collector: on a small machine it leaves more of the CPU to the requests.
      "-XX:+UseParallelGC",
      `-Djava.library.path=${join(emulator, "DynamoDBLocal_lib")}`,
      "-jar",
      join(emulator, "DynamoDBLocal.jar"),
      ...storage,
      "-sharedDb",
      // No network here, and no reason to report usage from a developer's machine.
      "-disableTelemetry",
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
    stop: async () => {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill("SIGKILL");
      }
    },
  };
}
