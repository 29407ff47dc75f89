import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
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
  const { stdout } = await run("npx", ["tsx", "tools/aviso.ts", "inspect", file], {
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
