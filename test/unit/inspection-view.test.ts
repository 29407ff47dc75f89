/**
 * Issue 14, bounded inspection: postal-mime spends ~10 µs on each line of a 7bit/8bit part, so a mail
 * of many short lines cost seconds before quote stripping read a byte. Inspection reads a bounded
 * view of the raw mail (parse.ts, inspectionView); these tests hold its time and what it keeps.
 */
import { describe, expect, it } from "vitest";
import { inspectMail, type MailContext } from "../../functions/mail/inspect";
import { INSPECTION_VIEW_LIMITS, inspectionView, parseMail } from "../../functions/mail/parse";
import { MAX_STORED_TEXT_BYTES } from "../../functions/mail/quotes";

const context: MailContext = {
  supportAddress: "soporte@aviso.example",
  technicians: ["lucia@aviso.example"],
  tokenSecret: "test-secret-0123456789abcdef",
  technicianTimeZone: "Europe/Madrid",
};

const KiB = 1024;
const MiB = 1024 * KiB;

function plain(body: string, headers: string[] = []): string {
  return [
    "From: Ana <ana@cliente.example>",
    "To: soporte@aviso.example",
    "Subject: No imprime",
    "Message-ID: <view@cliente.example>",
    "MIME-Version: 1.0",
    ...headers,
    "Content-Type: text/plain; charset=UTF-8",
    "Content-Transfer-Encoding: 8bit",
    "",
    body.replace(/\r?\n/g, "\r\n"),
  ].join("\r\n");
}

function multipart(parts: string[], boundary = "b1"): string {
  return [
    "From: Ana <ana@cliente.example>",
    "To: soporte@aviso.example",
    "Subject: No imprime",
    "MIME-Version: 1.0",
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    "",
    "This is a multi-part message in MIME format.",
    ...parts.flatMap((part) => [`--${boundary}`, part]),
    `--${boundary}--`,
    "",
  ].join("\r\n");
}

const attachment = (bytes: number, type = "image/png") =>
  [
    `Content-Type: ${type}; name="foto.png"`,
    'Content-Disposition: attachment; filename="foto.png"',
    "Content-Transfer-Encoding: base64",
    "",
    Buffer.alloc(bytes, 7)
      .toString("base64")
      .replace(/(.{76})/g, "$1\r\n"),
  ].join("\r\n");

const textPart = (text: string, encoding = "8bit", type = "text/plain") =>
  [`Content-Type: ${type}; charset=UTF-8`, `Content-Transfer-Encoding: ${encoding}`, "", text].join("\r\n");

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await run();
  return { value, ms: performance.now() - started };
}

describe("inspection reads a bounded view of the raw mail", () => {
  it("parses 256 KiB of blank lines (87,000 lines) in well under a second, and says the view was bounded", async () => {
    const raw = plain(`hola\n${" \n".repeat((256 * KiB) / 2)}adiós`);
    const { value, ms } = await timed(() => parseMail(raw));
    expect(ms).toBeLessThan(300);
    expect(value.ok && value.mail.text.startsWith("hola")).toBe(true);
    // 87,000 lines fit in 1 MiB: the text part is read whole, the last word included.
    expect(value.ok && value.mail.text.trimEnd().endsWith("adiós")).toBe(true);
  });

  it("inspects 4 MiB of one-character lines in bounded time and reads the client's first words", async () => {
    const raw = plain(`La impresora no imprime.\n${"x\n".repeat(2 * MiB)}`);
    const { value, ms } = await timed(() => inspectMail(raw, context));
    expect(ms).toBeLessThan(500);
    expect(value.kind).toBe("new-request");
    expect(value.visibleText.startsWith("La impresora no imprime.")).toBe(true);
    expect(value.mail?.truncated).toBe(true);
    expect(value.mail?.rawSize).toBe(Buffer.byteLength(raw));
  });

  it("reads the same text, HTML and attachment types as the whole mail for a usual multipart mail", async () => {
    const raw = multipart([
      [
        'Content-Type: multipart/alternative; boundary="alt"',
        "",
        "--alt",
        textPart("Hola,\r\n\r\nla impresora\r\r\nno imprime.\r\n> cita\r\n"),
        "--alt",
        textPart("<p>Hola,</p><p>la impresora no imprime.</p>", "7bit", "text/html"),
        "--alt--",
      ].join("\r\n"),
      attachment(2 * KiB),
      textPart("=C2=A1Gracias!", "quoted-printable"),
    ]);
    const { view, truncated } = inspectionView(Buffer.from(raw));
    expect(truncated).toBe(false);
    const parsed = await parseMail(raw);
    if (!parsed.ok) throw new Error(parsed.reason);
    // As postal-mime reads the whole mail (each part's line ends as LF, "\r\r\n" too).
    expect(parsed.mail.text).toBe("Hola,\n\nla impresora\nno imprime.\n> cita\n\n\n¡Gracias!\n");
    expect(parsed.mail.html).toContain("<p>la impresora no imprime.</p>");
    expect(parsed.mail.attachments.map((a) => a.contentType)).toEqual(["image/png"]);
    // 8bit parts reach postal-mime base64-encoded on one line; the rest is as it was.
    expect(view.toString("latin1")).toContain("Content-Transfer-Encoding: base64\r\n\r\nSG9sYSwKCmxh");
    expect(view.toString("latin1")).toContain("=C2=A1Gracias!");
  });

  it("skips the bytes of a large attachment, not the text after it", async () => {
    const raw = multipart([
      textPart("Adjunto la foto del error."),
      attachment(12 * MiB),
      textPart("Y otra cosa: el escáner tampoco va."),
    ]);
    const { value, ms } = await timed(() => parseMail(raw));
    expect(ms).toBeLessThan(1000);
    if (!value.ok) throw new Error(value.reason);
    expect(value.mail.text).toContain("Adjunto la foto del error.");
    expect(value.mail.text).toContain("el escáner tampoco va.");
    expect(value.mail.attachments).toMatchObject([{ contentType: "image/png" }]);
    expect(value.mail.truncated).toBe(true);
  });

  it("keeps at most 1 MiB of a text part, and never more than its limits in all", async () => {
    const long = `${"una línea de registro bastante larga, como las de un log\n".repeat(40_000)}`;
    const raw = multipart([textPart(long), textPart(long), textPart(long)]);
    const { view, truncated } = inspectionView(Buffer.from(raw));
    expect(truncated).toBe(true);
    expect(view.length).toBeLessThan(INSPECTION_VIEW_LIMITS.bytes * 1.4 + 64 * KiB);
    const parsed = await parseMail(raw);
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(Buffer.byteLength(parsed.mail.text)).toBeLessThanOrEqual(INSPECTION_VIEW_LIMITS.bytes + KiB);
  });

  it("treats a boundary written in a text body as text, not as structure", async () => {
    const pasted =
      'Content-Type: multipart/mixed; boundary="zz"\n\n--zz\nContent-Type: text/plain\n\nhola\n--zz--';
    const parsed = await parseMail(plain(`Mirad lo que recibí:\n${pasted}`));
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(parsed.mail.text.trim()).toBe(`Mirad lo que recibí:\n${pasted}`);
  });

  it("reads a carried message (message/rfc822) as before", async () => {
    const carried = [
      "From: Jefe <jefe@cliente.example>",
      "Subject: Impresora",
      'Content-Type: multipart/alternative; boundary="inner"',
      "",
      "--inner",
      textPart("Que lo mire soporte, por favor."),
      "--inner--",
    ].join("\r\n");
    const raw = multipart([
      textPart("Os reenvío el mensaje de mi jefe."),
      ["Content-Type: message/rfc822", "Content-Disposition: inline", "", carried].join("\r\n"),
    ]);
    const parsed = await parseMail(raw);
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(parsed.mail.text).toContain("Os reenvío el mensaje de mi jefe.");
    expect(parsed.mail.text).toContain("Que lo mire soporte, por favor.");
  });
});

describe("hostile MIME structure is read in bounded time too", () => {
  const head = "From: a@x.example\r\nTo: soporte@aviso.example\r\nSubject: x\r\nMIME-Version: 1.0\r\n";
  const cases: [string, string][] = [
    [
      "8 MiB of '--' lines in a text part",
      `${head}Content-Type: text/plain\r\n\r\nhola\r\n${"--\n".repeat((8 * MiB) / 3)}`,
    ],
    [
      "100,000 empty parts",
      `${head}Content-Type: multipart/mixed; boundary="b"\r\n\r\n${"--b\r\n\r\nx\r\n".repeat(100_000)}--b--\r\n`,
    ],
    [
      "2,000 messages carried one in another",
      `${head}${"Content-Type: message/rfc822\r\n\r\n".repeat(2_000)}hola\r\n`,
    ],
    ["a header block of 500,000 lines", `${head}${"X-A: b\r\n".repeat(500_000)}\r\nhola`],
    [
      "8 MiB of one-character base64 lines",
      `${head}Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n${"Q\n".repeat(4 * MiB)}`,
    ],
  ];
  for (const [name, raw] of cases) {
    it(`inspects ${name} in well under a second, never throwing`, async () => {
      const buffer = Buffer.from(raw);
      const { value, ms } = await timed(() => inspectMail(buffer, context));
      expect(ms).toBeLessThan(700);
      expect(value.reason).not.toBe("");
    });
  }
});

describe("stored text is capped by bytes (issue 14: item too large)", () => {
  it("caps the visible text of 240 KB of four-byte characters at MAX_STORED_TEXT_BYTES", async () => {
    const inspection = await inspectMail(plain("😀".repeat(60_000)), context);
    expect(inspection.kind).toBe("new-request");
    expect(Buffer.byteLength(inspection.visibleText)).toBeLessThanOrEqual(MAX_STORED_TEXT_BYTES);
    expect(Buffer.byteLength(inspection.visibleText)).toBeGreaterThan(MAX_STORED_TEXT_BYTES - 4);
  });

  it("caps a forwarded message's text too (kept whole, quotes and all)", async () => {
    const body = `---------- Forwarded message ---------\nDe: Jefe <jefe@cliente.example>\n\n${"ñ".repeat(120_000)}`;
    const inspection = await inspectMail(
      plain(body).replace("Subject: No imprime", "Subject: Fwd: x"),
      context,
    );
    expect(inspection.kind).toBe("new-request");
    expect(Buffer.byteLength(inspection.visibleText)).toBeLessThanOrEqual(MAX_STORED_TEXT_BYTES);
    expect(inspection.visibleText.startsWith("---------- Forwarded message")).toBe(true);
  });
});
