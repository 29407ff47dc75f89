import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const TECHNICIANS = ["--technician", "lucia@aviso.test"];
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "aviso-inspect-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function inspect(name: string, raw: string) {
  const file = join(dir, name);
  await writeFile(file, raw);
  const { stdout } = await run("npx", ["tsx", "tools/aviso.ts", "inspect", file, ...TECHNICIANS], {
    cwd: join(import.meta.dirname, "../.."),
    timeout: 60_000,
  });
  return JSON.parse(stdout) as { kind?: string; intent?: string } & Record<string, unknown>;
}

const reply = (body: string) =>
  [
    "From: Ana <ana@cliente.es>",
    "To: soporte@aviso.test",
    "Subject: Re: [#T-1001] Impresora resuelta",
    "Message-ID: <r1@cliente.es>",
    "Date: Tue, 24 Nov 2026 10:00:00 +0100",
    "In-Reply-To: <x@aviso.test>",
    "Content-Type: text/plain; charset=utf-8",
    "",
    body,
    "",
    "El lun, 23 nov 2026 a las 17:00, Soporte <soporte@aviso.test> escribió:",
    "> Hemos reinstalado el driver. ¿Funciona ya?",
    "",
  ].join("\r\n");

const EXISTING_FIELDS = [
  "kind",
  "reason",
  "ticketRef",
  "visibleText",
  "command",
  "language",
  "commandDetails",
  "commandError",
  "threadedBy",
  "subject",
  "from",
];

describe("aviso inspect: the reply's intent, black-box (issue 14, finding 6)", () => {
  it("prints intent for a client reply, after every field it printed before", async () => {
    const broken = await inspect("broken.eml", reply("Muchas gracias. Sigue sin imprimir."));
    expect(Object.keys(broken)).toEqual([...EXISTING_FIELDS, "intent"]);
    expect(broken).toMatchObject({
      kind: "reply",
      ticketRef: "T-1001",
      visibleText: "Muchas gracias. Sigue sin imprimir.",
      intent: "still-broken",
    });
    expect((await inspect("confirm.eml", reply("Ya funciona, gracias."))).intent).toBe("confirm");
    expect((await inspect("other.eml", reply("Mañana lo pruebo y os digo."))).intent).toBe("other");
  }, 120_000);

  it("prints no intent for mail that is no client reply, and every other field as before", async () => {
    const fresh = await inspect(
      "new.eml",
      [
        "From: Ana <ana@cliente.es>",
        "To: soporte@aviso.test",
        "Subject: No imprime",
        "Message-ID: <n1@cliente.es>",
        "",
        "Desde ayer no imprime.",
        "",
      ].join("\r\n"),
    );
    expect(Object.keys(fresh)).toEqual(EXISTING_FIELDS);
    expect(fresh.kind).toBe("new-request");
  }, 60_000);
});

const fromTechnician = (body: string) =>
  [
    "From: Lucía <lucia@aviso.test>",
    "To: support@aviso.localhost",
    "Subject: Re: [#T-1001] No imprime",
    "Message-ID: <t1@aviso.test>",
    "Date: Tue, 24 Nov 2026 10:00:00 +0100",
    "Content-Type: text/plain; charset=utf-8",
    "",
    body,
    "",
  ].join("\r\n");

describe("aviso inspect: the tone coach, black-box (issue 17)", () => {
  it("lists each phrase it flags in a technician's #plan, with its rule", async () => {
    const risky = await inspect(
      "risky.eml",
      fromTechnician("#plan Lo dejamos arreglado sin falta, es imposible que vuelva a fallar."),
    );
    expect(risky).toMatchObject({ kind: "technician-command", command: "plan" });
    expect(Object.keys(risky)).toEqual([...EXISTING_FIELDS, "coach"]);
    expect(risky.coach).toEqual([
      { phrase: "sin falta", rule: "promise" },
      { phrase: "imposible", rule: "negative" },
    ]);
  }, 60_000);

  it("is empty for a clean text, and a date that is the command's own ETA is no finding", async () => {
    const clean = await inspect(
      "clean.eml",
      fromTechnician("#plan Cambiamos el cabezal y probamos la impresión con vosotros."),
    );
    expect(clean.coach).toEqual([]);
    // Written on Tuesday 24 November: "el jueves" is the ETA's day; "el viernes" is not.
    const onEta = await inspect(
      "eta.eml",
      fromTechnician("#plan Cambiamos el cabezal; quedará listo el jueves [eta: 2026-11-26 17:00]"),
    );
    expect(onEta.coach).toEqual([]);
    const offEta = await inspect(
      "off-eta.eml",
      fromTechnician("#plan Cambiamos el cabezal; quedará listo el viernes [eta: 2026-11-26 17:00]"),
    );
    expect(offEta.coach).toEqual([{ phrase: "el viernes", rule: "date" }]);
  }, 120_000);

  it("coaches a personal reply in English too; a #note (never sent to the client) and a client's mail have no coach", async () => {
    const personal = await inspect(
      "personal.eml",
      fromTechnician("Hi Ana, this is definitely fixed by tomorrow, we can't do more from here."),
    );
    expect(personal.kind).toBe("technician-reply");
    expect((personal.coach as { rule: string }[]).map((f) => f.rule)).toEqual([
      "promise",
      "date",
      "negative",
    ]);
    const note = await inspect("note.eml", fromTechnician("#nota El cliente dice que es imposible."));
    expect(note.kind).toBe("technician-command");
    expect(note).not.toHaveProperty("coach");
    const client = await inspect("client.eml", reply("Sin falta lo pruebo mañana, es imposible que siga."));
    expect(client.kind).toBe("reply");
    expect(client).not.toHaveProperty("coach");
  }, 120_000);
});
