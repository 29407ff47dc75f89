/**
 * Issue 17 and DESIGN §7: a resolved ticket's words live on in the similar-incidents index. Forgetting
 * its client, or retention erasing it, takes it out of the index too; a dry run leaves the index alone.
 */
import { describe, expect, it } from "vitest";
import { handleAdminRequest } from "../../functions/app/admin";
import { applyEvent } from "../../functions/app/apply";
import { expireClosedTickets, forgetClient } from "../../functions/app/forget";
import { recordResolvedIncident } from "../../functions/app/similar-incidents";
import { loadConfig } from "../../functions/config";
import { memoryIncidentIndexStore } from "../../functions/store/incident-index-file";
import { memoryStores } from "../../functions/store/memory";

const quiet = { info: () => {}, warn: () => {}, error: () => {} };

async function world() {
  const now = new Date("2026-11-23T08:15:00Z");
  const incidentIndex = memoryIncidentIndexStore();
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
    log: quiet,
    incidentIndex,
  };
  const resolved = async (ticketId: string, address: string, request: string, cause: string) => {
    await applyEvent(deps, {
      type: "client-new",
      id: `mail-${ticketId}`,
      ticketId,
      from: { address },
      subject: "La impresora no imprime",
      text: request,
      locale: "es",
    });
    await applyEvent(deps, {
      type: "resolve",
      id: `r-${ticketId}`,
      ticketId,
      actor: "lucia@aviso.test",
      cause,
      fix: "Cabezal cambiado.",
    });
    expect(await recordResolvedIncident(deps, await deps.tickets.load(ticketId))).toBe(true);
  };
  await resolved("T-1001", "ana@cliente.es", "La Zebra ZD420 no imprime etiquetas.", "Cabezal quemado");
  await resolved("T-1002", "bea@otra.es", "La Brother del almacén no imprime.", "Tóner agotado");
  const stored = async () => {
    const loaded = await incidentIndex.load();
    if (!loaded || loaded === "unchanged") throw new Error("no index stored");
    return loaded.document;
  };
  return { deps, now, incidentIndex, stored };
}

describe("forgetting takes tickets out of the similar-incidents index", () => {
  it("a forgotten client's resolved ticket and its words leave the index; a dry run and other clients' stay", async () => {
    const w = await world();
    expect(await w.stored()).toContain("zd420");

    await forgetClient(w.deps, "ana@cliente.es", { dryRun: true });
    expect(await w.stored()).toContain("zd420");

    const result = await forgetClient(w.deps, "ana@cliente.es");
    expect(result.tickets).toEqual(["T-1001"]);
    const document = await w.stored();
    expect(document).not.toContain("T-1001");
    expect(document).not.toMatch(/zd420|quemado/i);
    expect(document).toContain("T-1002");
  });

  it("the forget route (DELETE /clients/{address}) takes the client's tickets out of the index too", async () => {
    const w = await world();
    const response = await handleAdminRequest(w.deps, {
      method: "DELETE",
      path: "/clients/ana@cliente.es",
    });
    expect(response?.status).toBe(200);
    expect(await w.stored()).not.toContain("T-1001");
    expect(await w.stored()).toContain("T-1002");
  });

  it("retention: an expired ticket leaves the index", async () => {
    const w = await world();
    await applyEvent(w.deps, { type: "confirm", id: "c1", ticketId: "T-1001" });
    const later = { now: () => new Date(w.now.getTime() + 401 * 86_400_000) };
    const expired = await expireClosedTickets({ ...w.deps, clock: later });
    expect(expired.tickets).toEqual(["T-1001"]);
    const document = await w.stored();
    expect(document).not.toMatch(/T-1001|zd420/i);
    expect(document).toContain("T-1002");
  });
});
