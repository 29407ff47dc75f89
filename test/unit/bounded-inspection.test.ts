import { describe, expect, it } from "vitest";
import { inspectMail, type MailContext } from "../../functions/mail/inspect";
import {
  capBytes,
  inspectedPart,
  isForward,
  MAX_INSPECTED_CHARS,
  MAX_INSPECTED_LINES,
  MAX_STORED_TEXT_BYTES,
  splitReply,
} from "../../functions/mail/quotes";

const context: MailContext = {
  supportAddress: "soporte@aviso.example",
  technicians: ["lucia@aviso.example"],
  tokenSecret: "test-secret-0123456789abcdef",
  technicianTimeZone: "Europe/Madrid",
};

function mail(body: string): string {
  return [
    "From: Mallory <mallory@attacker.example>",
    "To: soporte@aviso.example",
    "Subject: hola",
    "Date: Mon, 23 Nov 2026 10:15:00 +0100",
    "Message-ID: <bounded@attacker.example>",
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=UTF-8",
    "",
    body.replace(/\n/g, "\r\n"),
  ].join("\r\n");
}

const MiB = 1024 * 1024;
const fill = (unit: string, bytes: number) => unit.repeat(Math.ceil(bytes / unit.length));

/** Bodies that made the old quote stripping (email-reply-parser) cubic, and their 1 MB relatives. */
const HOSTILE_MAILS: [string, string][] = [
  ['"1234" + "from <" × 1,600 (10 KB, 5 s before)', `1234${"from <".repeat(1_600)}`],
  ['"1234" + "from <" × 3,400 (20 KB, ~40 s before)', `1234${"from <".repeat(3_400)}`],
  ['"1234" + "from <" to 1 MB', `1234${fill("from <", MiB)}`],
  ['"1234" + "from <" to 1 MB, as 1 KB lines', `1234${fill(`${"from <".repeat(170)}\n`, MiB)}`],
  ["On … wrote: fragments to 1 MB", fill("On Mon, 23 Nov 2026 at 10:00, Ana <ana@x.es> ", MiB)],
  ["spaces, 1 MB", `hola ${fill(" ", MiB)}x`],
  ["< and >, 1 MB", fill("<>", MiB)],
  ["digits and dates, 1 MB", fill("2026-11-23 10:15 12.11.2026 ", MiB)],
];

/**
 * Texts of many short lines go to the quote stripping directly: parsing a raw mail of 500,000 lines
 * is postal-mime's cost (parse.ts), not the reply parser's.
 */
const HOSTILE_TEXTS: [string, string][] = [
  ["El … escribió: on one line each, 1 MB", fill("El lun, 23 nov 2026 a las 9:30, Ana <a@b>\n", MiB)],
  ["Op … schreef over many lines, 1 MB", `Op maandag\n${fill("schreef x\n", MiB)}`],
  ["split attributions (On … / wrote:), 1 MB", fill("On Mon, 23 Nov 2026, Ana <a@b>\nwrote:\n", MiB)],
  ["blank lines, 1 MB", `hola\n${fill(" \n", MiB)}`],
  ["a keyword then 1 MB of spaces", `On Monday Ana wrote${fill(" ", MiB)}x`],
  ["a separator then 1 MB of dashes", `--- Reply above ${fill("-", MiB)}x`],
  ["nested quote markers, 1 MB", fill(`${">".repeat(60)} On x wrote:\n`, MiB)],
  ["a forward marker in 1 MB of whitespace lines", `${fill("  \n", MiB)}---- Forwarded message ----\n`],
];

describe("bounded inspection: one mail never freezes the mailbox", () => {
  for (const [name, body] of HOSTILE_MAILS) {
    it(`inspects ${name} in well under a second`, async () => {
      const started = performance.now();
      const inspection = await inspectMail(mail(body), context);
      const ms = performance.now() - started;
      expect(inspection.kind).not.toBe("unparseable");
      expect(ms).toBeLessThan(500);
    });
  }

  for (const [name, text] of HOSTILE_TEXTS) {
    it(`strips quotes from ${name} in well under a second`, () => {
      const started = performance.now();
      splitReply(text);
      isForward("hola", text);
      expect(performance.now() - started).toBeLessThan(500);
    });
  }

  it("strips quotes from a 1 MB body with a real reply on top, still in bounded time", () => {
    const text = `Sigue sin imprimir.\n\nEl lun, 23 nov 2026 a las 9:30, Soporte <s@x> escribió:\n${fill("> línea citada\n", MiB)}`;
    const started = performance.now();
    const split = splitReply(text);
    expect(performance.now() - started).toBeLessThan(500);
    expect(split).toMatchObject({ visible: "Sigue sin imprimir.", quoted: true });
  });

  it("reads at most MAX_INSPECTED_CHARS characters of a text, cut at a line end", () => {
    const line = `${"una línea de registro ".repeat(9)}\n`;
    const read = inspectedPart(fill(line, 2 * MAX_INSPECTED_CHARS));
    expect(read.length).toBeLessThanOrEqual(MAX_INSPECTED_CHARS);
    expect(read.length).toBeGreaterThan(MAX_INSPECTED_CHARS - line.length);
    expect(read.endsWith("una línea de registro ")).toBe(true);
  });

  it("reads at most MAX_INSPECTED_LINES lines of a text: short lines cost the reply parser per line", () => {
    const read = inspectedPart("x\n".repeat(5 * MAX_INSPECTED_LINES));
    expect(read.split("\n")).toHaveLength(MAX_INSPECTED_LINES);
    expect(inspectedPart("a\nb\nc")).toBe("a\nb\nc");
    const started = performance.now();
    splitReply(`Sigue sin imprimir.\n${"El \n".repeat(60_000)}`);
    expect(performance.now() - started).toBeLessThan(300);
  });

  it("gives at most MAX_STORED_TEXT_BYTES of what the person wrote", () => {
    const visible = splitReply(fill(`${"€".repeat(60)}\n`, MAX_INSPECTED_CHARS)).visible;
    expect(Buffer.byteLength(visible)).toBeLessThanOrEqual(MAX_STORED_TEXT_BYTES);
    expect(Buffer.byteLength(visible)).toBeGreaterThan(MAX_STORED_TEXT_BYTES - 20);
  });
});

describe("capBytes: stored text is capped by UTF-8 bytes, not characters", () => {
  it("keeps text within the cap as it is", () => {
    expect(capBytes("hola", 10)).toBe("hola");
    expect(capBytes("", 10)).toBe("");
  });

  it("caps 200,000 four-byte characters (800 KB) to the byte limit", () => {
    const text = "😀".repeat(200_000);
    const capped = capBytes(text, 100_000);
    expect(Buffer.byteLength(capped, "utf8")).toBeLessThanOrEqual(100_000);
    expect(Buffer.byteLength(capped, "utf8")).toBeGreaterThan(99_000);
  });

  it("never cuts a character in two (no lone surrogate, no broken sequence)", () => {
    for (const unit of ["😀", "ñ", "€", "a😀", "ab€"]) {
      for (let max = 0; max < 20; max++) {
        const capped = capBytes(unit.repeat(50), max);
        expect(Buffer.byteLength(capped, "utf8")).toBeLessThanOrEqual(max);
        expect(Buffer.from(capped, "utf8").toString("utf8")).toBe(capped);
        expect(unit.repeat(50).startsWith(capped)).toBe(true);
      }
    }
  });
});
