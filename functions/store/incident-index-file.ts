import { createHash } from "node:crypto";
import { mkdir, open, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { IncidentIndexStore } from "../app/ports";

const versionOf = (document: string) => createHash("sha256").update(document).digest("hex");

/** A lock older than this was left by a process that died holding it. */
const STALE_LOCK_MS = 30_000;
const LOCK_WAIT_MS = 10_000;

async function readOrNone(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/**
 * The similar-incidents index as a JSON file (the local runtime's, under `.aviso/`), with the S3
 * object's compare-and-swap: the version is the content's SHA-256, and a write goes through only if
 * the file still has the version that was read. A lock file (created exclusively) serialises the
 * check and the write across processes; the write itself is a rename, so a reader never sees half.
 */
export function fileIncidentIndexStore(file: string): IncidentIndexStore {
  const lock = `${file}.lock`;
  async function locked<T>(work: () => Promise<T>): Promise<T> {
    await mkdir(dirname(file), { recursive: true });
    const started = Date.now();
    for (;;) {
      try {
        await (await open(lock, "wx")).close();
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
        const held = await stat(lock).then(
          (s) => Date.now() - s.mtimeMs,
          () => 0,
        );
        if (held > STALE_LOCK_MS) await rm(lock, { force: true });
        else if (Date.now() - started > LOCK_WAIT_MS) throw new Error(`${lock} is held by another writer`);
        else await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));
      }
    }
    try {
      return await work();
    } finally {
      await rm(lock, { force: true });
    }
  }
  return {
    async load(knownVersion) {
      const document = await readOrNone(file);
      if (document === undefined) return undefined;
      const version = versionOf(document);
      return version === knownVersion ? "unchanged" : { document, version };
    },
    save: (document, expectedVersion) =>
      locked(async () => {
        const current = await readOrNone(file);
        if ((current === undefined ? undefined : versionOf(current)) !== expectedVersion) return false;
        const temporary = `${file}.${process.pid}.tmp`;
        await writeFile(temporary, document);
        await rename(temporary, file);
        return versionOf(document);
      }),
  };
}

/** The same contract in memory: the local runtime without a data folder, and tests. */
export function memoryIncidentIndexStore(): IncidentIndexStore & { writes: number } {
  let stored: { document: string; version: string } | undefined;
  let counter = 0;
  const store = {
    writes: 0,
    async load(knownVersion?: string) {
      if (!stored) return undefined;
      return stored.version === knownVersion ? "unchanged" : { ...stored };
    },
    async save(document: string, expectedVersion: string | undefined) {
      if (stored?.version !== expectedVersion) return false;
      counter += 1;
      stored = { document, version: `v${counter}` };
      store.writes += 1;
      return stored.version;
    },
  } satisfies IncidentIndexStore & { writes: number };
  return store;
}
