/**
 * The local runtime's similar-incidents index file (issue 17): the same compare-and-swap as the S3
 * object, so concurrent resolutions in the local runtime lose nothing either.
 */
import { mkdtemp, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { recordResolvedIncident } from "../../functions/app/similar-incidents";
import type { Ticket } from "../../functions/core";
import { load } from "../../functions/core/similar";
import { fileIncidentIndexStore, memoryIncidentIndexStore } from "../../functions/store/incident-index-file";
import { localParts } from "../../infra/local/deps";
import { quiet } from "../support/memory-world";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "aviso-index-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function resolved(id: string, subject: string): Ticket {
  return {
    id,
    version: 4,
    status: "resolved",
    subject,
    request: subject,
    client: { address: "ana@cliente.es", locale: "es", calendar: { timeZone: "Europe/Madrid" } as never },
    openedAt: "2026-11-23T08:00:00Z",
    escalations: [],
    resolution: { cause: `causa de ${id}`, fix: `arreglo de ${id}`, at: "2026-11-23T09:00:00Z" },
    progress: [],
    lastClientMessageAt: "2026-11-23T09:00:00Z",
    endOfDayNoticeDate: "2026-11-23",
    timers: {},
    counters: { clientMessages: 2, reopenings: 0, escalations: 0, planChanges: 0 },
    seenEventIds: [],
  };
}

const deps = (file: string) => ({
  incidentIndex: fileIncidentIndexStore(file),
  clock: { now: () => new Date("2026-11-23T10:00:00Z") },
  log: quiet,
  config: { defaultLocale: "es" as const },
});

describe.each([
  ["file", () => fileIncidentIndexStore(join(dir, "nested", "similar-incidents.json"))],
  ["memory", () => memoryIncidentIndexStore()],
])("the %s incident index store", (_, make) => {
  it("writes only over the version it was given: none for the first write, the last read after", async () => {
    const store = make();
    expect(await store.load()).toBeUndefined();
    const first = await store.save("one", undefined);
    expect(first).toBeTruthy();
    expect(await store.save("other first", undefined)).toBe(false);
    expect(await store.load()).toEqual({ document: "one", version: first });
    expect(await store.load(first as string)).toBe("unchanged");
    const second = await store.save("two", first as string);
    expect(second).toBeTruthy();
    expect(second).not.toBe(first);
    expect(await store.save("stale", first as string)).toBe(false);
    expect(await store.load()).toEqual({ document: "two", version: second });
  });
});

describe("the index file", () => {
  it("keeps every incident when several writers (each with its own cache) resolve at once", async () => {
    const file = join(dir, "similar-incidents.json");
    const codes = ["T-1001", "T-1002", "T-1003", "T-1004"];
    const results = await Promise.all(
      codes.map((code) => recordResolvedIncident(deps(file), resolved(code, `Incidencia ${code}`))),
    );
    expect(results).toEqual([true, true, true, true]);
    const index = load(await readFile(file, "utf8"));
    expect(codes.filter((code) => index.search.has(code))).toEqual(codes);
  });

  it("takes over a lock left by a writer that died, and waits for a live one", async () => {
    const file = join(dir, "similar-incidents.json");
    const store = fileIncidentIndexStore(file);
    await writeFile(`${file}.lock`, "");
    const old = new Date(Date.now() - 60_000);
    await utimes(`${file}.lock`, old, old);
    expect(await store.save("after a crash", undefined)).toBeTruthy();
    await writeFile(`${file}.lock`, "");
    const saving = store.save(
      "after the other writer",
      await store.load().then((l) => (l && l !== "unchanged" ? l.version : undefined)),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await readFile(file, "utf8")).toBe("after a crash");
    await rm(`${file}.lock`);
    expect(await saving).toBeTruthy();
    expect(await readFile(file, "utf8")).toBe("after the other writer");
  });
});

describe("the local runtime's parts", () => {
  it("keep the index in the file they are given, and in memory (as the table) without one", async () => {
    const file = join(dir, "similar-incidents.json");
    const ends = { dynamodb: "http://127.0.0.1:1", ses: "http://127.0.0.1:2", mailDir: dir };
    const persisted = localParts({ ...ends, incidentIndexFile: file });
    expect(
      await recordResolvedIncident(
        { ...deps(file), incidentIndex: persisted.incidentIndex },
        resolved("T-1001", "Zebra"),
      ),
    ).toBe(true);
    expect(load(await readFile(file, "utf8")).search.has("T-1001")).toBe(true);
    const inMemory = localParts(ends);
    expect(await inMemory.incidentIndex.load()).toBeUndefined();
  });
});
