/**
 * Similar past incidents through the outbox on the in-memory world (issue 17's acceptance, without
 * SMTP): a resolution adds its ticket to the index, a new ticket's notice to the technicians lists the
 * resolved ones most like it, and the index never costs the client a mail.
 */
import type { SendEmailCommandInput } from "@aws-sdk/client-sesv2";
import { describe, expect, it, vi } from "vitest";
import { receiveMail } from "../../functions/app/inbound";
import { performOutboxItem } from "../../functions/app/outbox";
import type { IncidentIndexStore } from "../../functions/app/ports";
import {
  forgetIncidents,
  INDEX_TTL_SECONDS,
  recordResolvedIncident,
  similarForNotice,
} from "../../functions/app/similar-incidents";
import { load } from "../../functions/core/similar";
import { renderMessage } from "../../functions/mail/render";
import { memoryIncidentIndexStore } from "../../functions/store/incident-index-file";
import { recipients } from "../support/memory-world";
import { similarWorld } from "../support/similar-world";

// What the outbox hands the renderer, kept to check the notice's data apart from the templates.
vi.mock("../../functions/mail/render", async (original) => {
  const real = await original<typeof import("../../functions/mail/render")>();
  return { ...real, renderMessage: vi.fn(real.renderMessage) };
});

function mail(from: string, subject: string, body: string) {
  const head = [
    `From: ${from}`,
    "To: soporte@aviso.test",
    `Subject: ${subject}`,
    `Message-ID: <${Math.random().toString(36).slice(2)}@example.test>`,
    "Content-Type: text/plain; charset=utf-8",
  ];
  return Buffer.from(`${head.join("\r\n")}\r\n\r\n${body}`);
}

const text = (input: SendEmailCommandInput) =>
  (input.Content?.Simple?.Body?.Text?.Data ?? "").replace(/\s+/g, " ");
const subject = (input: SendEmailCommandInput) => input.Content?.Simple?.Subject?.Data ?? "";
const CAUSE = "el controlador de la Zebra ZD420 se actualizó y perdió el ancho de la etiqueta";
const FIX = "reinstalado el controlador anterior y calibrado el sensor de etiquetas";

/** Ana's Zebra ticket opened and resolved with its cause; Pedro, of another client, then writes. */
async function zebraStory(w: ReturnType<typeof similarWorld>) {
  await receiveMail(
    w.deps,
    mail(
      "Ana <ana@almacen.es>",
      "La impresora de etiquetas Zebra imprime en blanco",
      "Desde esta mañana la Zebra del almacén saca las etiquetas de envío en blanco.",
    ),
  );
  await w.drain();
  w.advance(3_600_000);
  await receiveMail(
    w.deps,
    mail(
      "Lucía <lucia@aviso.test>",
      "Re: [#T-1001] La impresora de etiquetas Zebra imprime en blanco",
      `#resuelto\nCausa: ${CAUSE}\nSolución: ${FIX}`,
    ),
  );
  await w.drain();
  w.advance(86_400_000);
  await receiveMail(
    w.deps,
    mail(
      "Pedro <pedro@taller.es>",
      "Impresora Zebra no imprime etiquetas",
      "Hola, la impresora Zebra de la oficina no imprime las etiquetas. ¿Podéis mirarlo?",
    ),
  );
  await w.drain();
}

const noticeOf = (w: ReturnType<typeof similarWorld>, ticketId: string) =>
  w.sent.find(
    (input) =>
      recipients(input).includes("lucia@aviso.test") &&
      subject(input).startsWith(`[#${ticketId}] Nueva petición`),
  ) as SendEmailCommandInput;

describe("similar past incidents through the outbox", () => {
  it("hands the technicians' notice of another client's Zebra ticket the resolved Zebra ticket's code and cause", async () => {
    const w = similarWorld();
    vi.mocked(renderMessage).mockClear();
    await zebraStory(w);
    expect((await w.deps.tickets.load("T-1001"))?.status).toBe("resolved");
    const notices = vi
      .mocked(renderMessage)
      .mock.calls.filter(([, template]) => template === "staff-new-ticket")
      .map(
        ([, , data]) => data as typeof data & { similar?: { code: string; cause: string; fix: string }[] },
      );
    expect(notices.map((data) => data.ticketId)).toEqual(["T-1001", "T-1002"]);
    expect(notices[0]?.similar).toBeUndefined();
    expect(notices[1]?.similar).toEqual([
      {
        code: "T-1001",
        subject: "La impresora de etiquetas Zebra imprime en blanco",
        cause: CAUSE,
        fix: FIX,
      },
    ]);
    // The client's mail is untouched by it: Pedro's acknowledgement names nothing of Ana's.
    const ack = w.sent.find((input) =>
      recipients(input).includes("pedro@taller.es"),
    ) as SendEmailCommandInput;
    expect(text(ack)).not.toContain("T-1001");
    expect(text(ack)).not.toContain("ZD420");
  });

  it("shows the resolved Zebra ticket's code and cause in the mail the technicians get for the second one", async () => {
    const w = similarWorld();
    await zebraStory(w);
    expect(text(noticeOf(w, "T-1001"))).not.toContain("Casos parecidos");
    const second = noticeOf(w, "T-1002");
    expect(recipients(second)).toEqual(["lucia@aviso.test"]);
    const body = text(second);
    expect(body).toContain("Casos parecidos ya resueltos");
    expect(body).toContain("#T-1001");
    expect(body).toContain(CAUSE);
    expect(body).toContain(FIX);
  });

  it("lists them in the notice's own language only, and lists nothing when there are none", () => {
    const similar = [{ code: "T-1001", subject: "Zebra", cause: "driver", fix: "rollback" }];
    const data = { ticketId: "T-1002", subject: "Zebra", clientAddress: "p@x.es", request: "Zebra" };
    const render = (locale: "es" | "en", extra: object) =>
      renderMessage(locale, "staff-new-ticket", { ...data, ...extra }, { timeZone: "UTC" }).text;
    const es = render("es", { similar });
    expect(es).toMatch(/Casos parecidos ya resueltos[\s\S]*Causa: driver\s+Solución: rollback/);
    expect(es).not.toMatch(/\b(Similar|resolved|incidents|Cause|Fix)\b/);
    const en = render("en", { similar });
    expect(en).toMatch(/Similar resolved incidents[\s\S]*Cause: driver\s+Fix: rollback/);
    expect(en).not.toMatch(/\b(Casos|parecidos|resueltos|Causa|Solución|causa|solución)\b/);
    for (const locale of ["es", "en"] as const)
      expect(render(locale, { similar: [] })).toBe(render(locale, {}));
  });

  it("writes the index once per resolution, replacing the ticket when it is resolved again", async () => {
    const store = memoryIncidentIndexStore();
    const w = similarWorld({ incidentIndex: store });
    await zebraStory(w);
    expect(store.writes).toBe(1);
    const ticket = await w.deps.tickets.load("T-1001");
    if (!ticket) throw new Error("no ticket");
    await recordResolvedIncident(w.deps, ticket);
    const stored = await store.load();
    if (!stored || stored === "unchanged") throw new Error("no index");
    expect(load(stored.document).search.documentCount).toBe(1);
  });

  it("a failing index store costs the client nothing: the resolution mail goes once, the failure is logged", async () => {
    const errors: string[] = [];
    const broken: IncidentIndexStore = {
      load: async () => undefined,
      save: async () => {
        throw new Error("AccessDenied");
      },
    };
    const w = similarWorld({ incidentIndex: broken });
    const deps = {
      ...w.deps,
      log: { ...w.deps.log, error: (message: string) => void errors.push(message) },
    };
    await receiveMail(deps, mail("Ana <ana@almacen.es>", "Zebra en blanco", "La Zebra imprime en blanco."));
    await receiveMail(
      deps,
      mail(
        "Lucía <lucia@aviso.test>",
        "Re: [#T-1001] Zebra en blanco",
        `#resuelto\nCausa: ${CAUSE}\nSolución: ${FIX}`,
      ),
    );
    for (const item of await deps.outbox.pending()) await performOutboxItem(deps, item);
    const resolution = (await deps.outbox.list("T-1001")).find(
      (item) => item.effect.kind === "send-client" && item.effect.template === "resolution",
    );
    expect(resolution?.status).toBe("done");
    expect(resolution?.result?.outcome).toBe("sent");
    expect(
      w.sent.filter((input) => recipients(input).includes("ana@almacen.es") && text(input).includes(FIX)),
    ).toHaveLength(1);
    expect(errors).toContain("similar-incidents index not updated; the mail went out regardless");
    expect(await deps.outbox.pending()).toEqual([]);
  });

  it("a resolution mail found already sent after an interrupted attempt still adds its ticket, without a second mail", async () => {
    const w = similarWorld();
    const deps = { ...w.deps, sentLedger: { sentMessageId: async () => "<sent-before-crash@ses.test>" } };
    await receiveMail(deps, mail("Ana <ana@almacen.es>", "Zebra en blanco", "La Zebra imprime en blanco."));
    await w.drain();
    await receiveMail(
      deps,
      mail(
        "Lucía <lucia@aviso.test>",
        "Re: [#T-1001] Zebra en blanco",
        `#resuelto\nCausa: ${CAUSE}\nSolución: ${FIX}`,
      ),
    );
    const resolution = (await deps.outbox.pending()).find(
      (item) => item.effect.kind === "send-client" && item.effect.template === "resolution",
    );
    if (!resolution) throw new Error("no resolution effect");
    // An attempt claimed it and died; its lease runs out.
    await deps.outbox.claim("T-1001", resolution.effect.id, deps.clock.now());
    w.advance(10 * 60_000);
    const mailsBefore = w.sent.length;
    await performOutboxItem(deps, resolution);
    expect(w.sent).toHaveLength(mailsBefore);
    expect((await deps.outbox.item("T-1001", resolution.effect.id))?.result).toMatchObject({
      confirmedByLedger: true,
    });
    const request = { subject: "Zebra", text: "la Zebra imprime en blanco", locale: "es" as const };
    expect((await similarForNotice(deps, "T-9999", request)).map((s) => s.code)).toEqual(["T-1001"]);
  });

  it("a reopened ticket leaves the index; resolved again, it comes back", async () => {
    const w = similarWorld();
    const request = { subject: "Zebra etiquetas", text: "la Zebra imprime en blanco", locale: "es" as const };
    const shown = async () => (await similarForNotice(w.deps, "T-9999", request)).map((s) => s.code);
    await zebraStory(w);
    expect(await shown()).toEqual(["T-1001"]);
    const thread = "Re: [#T-1001] La impresora de etiquetas Zebra imprime en blanco";
    await receiveMail(w.deps, mail("Ana <ana@almacen.es>", thread, "Vuelve a salir en blanco."));
    await w.drain();
    expect((await w.deps.tickets.load("T-1001"))?.status).toBe("open");
    expect(await shown()).toEqual([]);
    w.advance(3_600_000);
    await receiveMail(
      w.deps,
      mail(
        "Lucía <lucia@aviso.test>",
        thread,
        "#resuelto\nCausa: el rollo de etiquetas era de otro ancho\nSolución: cambiado el rollo",
      ),
    );
    await w.drain();
    expect(await shown()).toEqual(["T-1001"]);
    expect((await similarForNotice(w.deps, "T-9999", request))[0]?.cause).toBe(
      "el rollo de etiquetas era de otro ancho",
    );
  });

  it("forgetting a client's tickets takes them out of the index, and a second time writes nothing", async () => {
    const store = memoryIncidentIndexStore();
    const w = similarWorld({ incidentIndex: store });
    await zebraStory(w);
    const request = { subject: "Zebra", text: "la Zebra imprime en blanco", locale: "es" as const };
    expect((await similarForNotice(w.deps, "T-9999", request)).map((s) => s.code)).toEqual(["T-1001"]);
    expect(await forgetIncidents(w.deps, ["T-1001", "T-4040"])).toBe(true);
    const writes = store.writes;
    expect(await similarForNotice(w.deps, "T-9999", request)).toEqual([]);
    const stored = await store.load();
    if (!stored || stored === "unchanged") throw new Error("no index");
    expect(stored.document).not.toContain("T-1001");
    expect(stored.document.toLowerCase()).not.toContain("zd420");
    expect(await forgetIncidents(w.deps, ["T-1001"])).toBe(true);
    expect(store.writes).toBe(writes);
  });

  it("another warm process sees a resolution once its cached index is older than the TTL", async () => {
    const shared = memoryIncidentIndexStore();
    const w = similarWorld({ incidentIndex: shared });
    // A second process: its own cache, the same stored object.
    const other = { load: shared.load.bind(shared), save: shared.save.bind(shared) } as IncidentIndexStore;
    const elsewhere = { ...w.deps, incidentIndex: other };
    const request = { subject: "Impresora Zebra", text: "no imprime etiquetas", locale: "es" as const };
    expect(await similarForNotice(elsewhere, "T-9999", request)).toEqual([]);
    await recordResolvedIncident(w.deps, ticket("T-1001", "La impresora Zebra no imprime etiquetas"));
    expect((await similarForNotice(w.deps, "T-9999", request)).map((s) => s.code)).toEqual(["T-1001"]);
    w.advance((INDEX_TTL_SECONDS - 1) * 1000);
    expect(await similarForNotice(elsewhere, "T-9999", request)).toEqual([]);
    w.advance(2000);
    expect((await similarForNotice(elsewhere, "T-9999", request)).map((s) => s.code)).toEqual(["T-1001"]);
  });

  it("two writers at once both land: the loser of the compare-and-swap reads the winner's index and retries", async () => {
    const shared = memoryIncidentIndexStore();
    const w = similarWorld({ incidentIndex: shared });
    const a = { load: shared.load.bind(shared), save: shared.save.bind(shared) } as IncidentIndexStore;
    let raced = false;
    // b reads, then a writes before b does: b's first write must be refused and redone.
    const b: IncidentIndexStore = {
      load: shared.load.bind(shared),
      save: async (document, version) => {
        if (!raced) {
          raced = true;
          await recordResolvedIncident(
            { ...w.deps, incidentIndex: a },
            ticket("T-2001", "Outlook no arranca"),
          );
        }
        return shared.save(document, version);
      },
    };
    expect(await recordResolvedIncident({ ...w.deps, incidentIndex: b }, ticket("T-2002", "VPN caída"))).toBe(
      true,
    );
    const stored = await shared.load();
    if (!stored || stored === "unchanged") throw new Error("no index");
    const index = load(stored.document);
    expect(index.search.has("T-2001") && index.search.has("T-2002")).toBe(true);
    expect(shared.writes).toBe(2);
  });
});

function ticket(id: string, subject: string) {
  return {
    id,
    version: 3,
    status: "resolved" as const,
    subject,
    request: subject,
    client: {
      address: "x@cliente.es",
      locale: "es" as const,
      calendar: { timeZone: "Europe/Madrid" } as never,
    },
    openedAt: "2026-11-23T08:00:00Z",
    escalations: [],
    resolution: { cause: "causa", fix: "arreglo", at: "2026-11-23T09:00:00Z" },
    progress: [],
    lastClientMessageAt: "2026-11-23T09:00:00Z",
    endOfDayNoticeDate: "2026-11-23",
    timers: {},
    counters: { clientMessages: 1, reopenings: 0, escalations: 0, planChanges: 0 },
    seenEventIds: [],
  };
}
