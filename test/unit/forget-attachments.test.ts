/**
 * Issue 16 and DESIGN §7: a client's attachments are kept apart from the raw mail (S3
 * attachments/<ticketId>/…, .aviso/attachments locally). Forgetting the client, or retention erasing a
 * closed ticket, deletes them with the ticket; a dry run deletes nothing; a store that fails names the
 * ticket and the erasure goes on.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { handleAdminRequest } from "../../functions/app/admin";
import { applyEvent } from "../../functions/app/apply";
import { type AttachmentStore, memoryAttachmentStore } from "../../functions/app/attachments";
import { expireClosedTickets, forgetClient } from "../../functions/app/forget";
import { loadConfig } from "../../functions/config";
import { memoryStores } from "../../functions/store/memory";

const quiet = { info: () => {}, warn: () => {}, error: () => {} };

async function world(attachments: AttachmentStore) {
  const now = new Date("2026-11-23T08:15:00Z");
  const errors: { message: string; data?: Record<string, unknown> }[] = [];
  const deps = {
    ...memoryStores(),
    config: loadConfig({
      supportAddress: "soporte@aviso.test",
      technicians: [{ address: "lucia@aviso.test", name: "Lucía" }],
      feedbackUrl: "http://127.0.0.1:3000/feedback",
      tokenSecret: "unit-secret-0123456789",
      defaultLocale: "es",
    }),
    clock: { now: () => new Date(now) },
    log: {
      ...quiet,
      error: (message: string, data?: Record<string, unknown>) =>
        void errors.push({ message, ...(data ? { data } : {}) }),
    },
    attachments,
  };
  const open = async (ticketId: string, address: string, files: string[]) => {
    await applyEvent(deps, {
      type: "client-new",
      id: `mail-${ticketId}`,
      ticketId,
      from: { address },
      subject: "No imprime",
      text: "Adjunto la captura.",
      locale: "es",
    });
    for (const name of files) {
      const content = Buffer.from(`${ticketId}:${name}`);
      await attachments.put(ticketId, {
        name,
        contentType: "image/png",
        content,
        sha256: createHash("sha256").update(content).digest("hex"),
      });
    }
  };
  return { deps, now, open, errors };
}

const ticketsOf = (store: ReturnType<typeof memoryAttachmentStore>) =>
  [...store.files.keys()].map((key) => key.split("/")[0]).sort();

describe("forgetting takes the kept attachments with the tickets", () => {
  it("forgetClient deletes every file of the client's tickets and no one else's; a dry run deletes none", async () => {
    const store = memoryAttachmentStore();
    const w = await world(store);
    await w.open("T-1001", "ana@cliente.es", ["captura.png", "error.png"]);
    await w.open("T-1002", "bea@otra.es", ["factura.png"]);
    await w.open("T-1003", "ana@cliente.es", ["log.png"]);

    const dry = await forgetClient(w.deps, "ana@cliente.es", { dryRun: true });
    expect(dry.tickets).toEqual(["T-1001", "T-1003"]);
    expect(dry.attachments).toBeUndefined();
    expect(store.files.size).toBe(4);

    const done = await forgetClient(w.deps, "ana@cliente.es");
    expect(done.attachments).toEqual({ removed: 3, failed: [] });
    expect(ticketsOf(store)).toEqual(["T-1002"]);
  });

  it("retention deletes an expired ticket's files and keeps an open ticket's", async () => {
    const store = memoryAttachmentStore();
    const w = await world(store);
    await w.open("T-1001", "ana@cliente.es", ["captura.png"]);
    await w.open("T-1002", "bea@otra.es", ["factura.png"]);
    for (const event of [
      { type: "resolve", id: "r1", ticketId: "T-1001", actor: "lucia@aviso.test", fix: "Driver." },
      { type: "confirm", id: "c1", ticketId: "T-1001" },
    ])
      await applyEvent(w.deps, event);
    const at = (days: number) => ({ now: () => new Date(w.now.getTime() + days * 86_400_000) });

    expect(await expireClosedTickets({ ...w.deps, clock: at(401) }, { dryRun: true })).toMatchObject({
      tickets: ["T-1001"],
      dryRun: true,
    });
    expect(store.files.size).toBe(2);
    const expired = await expireClosedTickets({ ...w.deps, clock: at(401) });
    expect(expired).toMatchObject({ tickets: ["T-1001"], attachments: { removed: 1, failed: [] } });
    expect(ticketsOf(store)).toEqual(["T-1002"]);
  });

  it("a store that cannot delete a ticket's files names it and the erasure goes on", async () => {
    const store = memoryAttachmentStore();
    const failing: AttachmentStore = {
      ...store,
      removeTicket: async (ticketId) => {
        if (ticketId === "T-1001") throw new Error("AccessDenied");
        return store.removeTicket?.(ticketId) ?? 0;
      },
    };
    const w = await world(failing);
    await w.open("T-1001", "ana@cliente.es", ["captura.png"]);
    await w.open("T-1003", "ana@cliente.es", ["log.png", "otra.png"]);
    const done = await forgetClient(w.deps, "ana@cliente.es");
    expect(done.attachments).toEqual({ removed: 2, failed: ["T-1001"] });
    expect(await w.deps.tickets.load("T-1001")).toBeUndefined();
    expect(w.errors).toEqual([
      { message: "attachments not deleted", data: { ticketId: "T-1001", error: "Error: AccessDenied" } },
    ]);
  });

  it("DELETE /clients/{address} on the API removes them too (admin.ts passes the API's store to forgetClient)", async () => {
    const store = memoryAttachmentStore();
    const w = await world(store);
    await w.open("T-1001", "ana@cliente.es", ["captura.png"]);
    await w.open("T-1002", "bea@otra.es", ["factura.png"]);
    const response = await handleAdminRequest(w.deps, {
      method: "DELETE",
      path: "/clients/ana%40cliente.es",
    });
    expect(response?.status).toBe(200);
    expect(JSON.parse(response?.body ?? "{}")).toMatchObject({
      tickets: ["T-1001"],
      attachments: { removed: 1, failed: [] },
    });
    expect(ticketsOf(store)).toEqual(["T-1002"]);
  });
});
