/**
 * Attachments out (issue 16), the part SES decides: which files of a technician's mail one SESv2
 * SendEmail (Content.Simple.Attachments) can carry, and which it cannot and why.
 */
import type { SendEmailCommandInput } from "@aws-sdk/client-sesv2";
import { describe, expect, it } from "vitest";
import { SES_MESSAGE_LIMIT_BYTES, sesAttachments } from "../../functions/mail/attachments";
import { PNG } from "../support/attachment-mail";

describe("attachments a technician sends the client, within SES's limits", () => {
  it("carries a PDF and a PNG as SESv2 Simple attachments, their bytes untouched", () => {
    const pdf = Buffer.from("%PDF-1.4\n%guía\n");
    const { attachments, left } = sesAttachments(
      [
        { name: "guía-impresora.pdf", contentType: "application/pdf", content: pdf },
        { name: "paso-1.png", contentType: "image/png", content: PNG },
      ],
      20_000,
    );
    expect(left).toEqual([]);
    expect(attachments.map((a) => [a.FileName, a.ContentType, a.ContentDisposition])).toEqual([
      ["guía-impresora.pdf", "application/pdf", "ATTACHMENT"],
      ["paso-1.png", "image/png", "ATTACHMENT"],
    ]);
    expect(Buffer.from(attachments[1]?.RawContent ?? []).equals(PNG)).toBe(true);
    // The shape the SDK's SendEmail takes.
    const input: SendEmailCommandInput = {
      Content: {
        Simple: { Subject: { Data: "s" }, Body: { Text: { Data: "t" } }, Attachments: attachments },
      },
    };
    expect(input.Content?.Simple?.Attachments).toHaveLength(2);
  });

  it("leaves out what would pass 40 MB once base64-encoded, and a type SES refuses, saying why", () => {
    const fifteen = Buffer.alloc(15_000_000, 1);
    const { attachments, left } = sesAttachments(
      [
        { name: "a.zip", contentType: "application/zip", content: fifteen },
        { name: "b.zip", contentType: "application/zip", content: fifteen },
        { name: "setup.EXE", contentType: "application/octet-stream", content: Buffer.from("MZ") },
        { name: "c.txt", contentType: "text/plain", content: Buffer.from("cabe") },
      ],
      50_000,
    );
    // 15 MB is 20 MB in base64: one fits, two do not.
    expect(attachments.map((a) => a.FileName)).toEqual(["a.zip", "c.txt"]);
    expect(left).toEqual([
      { name: "b.zip", reason: "past SES's 40 MB limit on one message" },
      { name: "setup.EXE", reason: "SES does not send .exe files" },
    ]);
    const total = attachments.reduce((n, a) => n + Math.ceil(a.RawContent.length / 3) * 4, 50_000);
    expect(total).toBeLessThan(SES_MESSAGE_LIMIT_BYTES);
  });
});

describe("a technician's reply mail with a file, kept for the client's mail", () => {
  it("keeps the reply's PDF, carries it on the personal-reply effect, and gives it back as an SES attachment", async () => {
    const { receiveMail } = await import("../../functions/app/inbound");
    const { clientMailAttachments, memoryAttachmentStore } = await import("../../functions/app/attachments");
    const { mailWith } = await import("../support/attachment-mail");
    const { memoryWorld } = await import("../support/memory-world");
    const w = memoryWorld();
    const store = memoryAttachmentStore();
    const deps = { ...w.deps, attachments: store };
    await receiveMail(deps, mailWith([]));
    const pdf = Buffer.from("%PDF-1.4\nguía de la impresora\n");
    const reply = await receiveMail(
      deps,
      mailWith(
        [{ name: "guia.pdf", type: "application/pdf", content: pdf }],
        {
          From: "Lucía <lucia@aviso.test>",
          Subject: "Re: [#T-1001] La impresora no imprime",
        },
        "Te mando la guía para reinstalar el controlador.",
      ),
    );
    expect(reply).toMatchObject({ outcome: "applied", kind: "technician-reply", ticketId: "T-1001" });
    const sendClient = (await w.deps.outbox.list("T-1001")).find(
      (i) => i.effect.kind === "send-client" && i.effect.template === "personal-reply",
    );
    const data = sendClient?.effect.kind === "send-client" ? sendClient.effect.data : undefined;
    expect(data?.attachments).toEqual([
      expect.objectContaining({ name: "guia.pdf", contentType: "application/pdf" }),
    ]);
    const out = await clientMailAttachments(deps, data as NonNullable<typeof data>, 10_000);
    expect(out.left).toEqual([]);
    expect(out.attachments.map((a) => a.FileName)).toEqual(["guia.pdf"]);
    expect(Buffer.from(out.attachments[0]?.RawContent ?? []).equals(pdf)).toBe(true);
    // Without the kept file the technician hears why, rather than the client getting a silent gap.
    const gone = await clientMailAttachments({}, data as NonNullable<typeof data>, 10_000);
    expect(gone).toEqual({
      attachments: [],
      left: [{ name: "guia.pdf", reason: "not found among the kept attachments" }],
    });
  });
});

describe("the client's mail carries the technician's files (needs the outbox hookup)", () => {
  it("a technician's reply with a PDF reaches the client with that PDF, its bytes untouched", async () => {
    const { receiveMail } = await import("../../functions/app/inbound");
    const { performOutboxItem } = await import("../../functions/app/outbox");
    const { memoryAttachmentStore } = await import("../../functions/app/attachments");
    const { mailWith } = await import("../support/attachment-mail");
    const { memoryWorld } = await import("../support/memory-world");
    const w = memoryWorld();
    const deps = { ...w.deps, attachments: memoryAttachmentStore() };
    const drain = async () => {
      for (const item of await deps.outbox.pending()) await performOutboxItem(deps, item);
    };
    await receiveMail(deps, mailWith([]));
    await drain();
    const pdf = Buffer.from("%PDF-1.4\nguía de la impresora\n");
    await receiveMail(
      deps,
      mailWith(
        [{ name: "guia.pdf", type: "application/pdf", content: pdf }],
        { From: "Lucía <lucia@aviso.test>", Subject: "Re: [#T-1001] La impresora no imprime" },
        "Te mando la guía para reinstalar el controlador.",
      ),
    );
    await drain();
    const reply = w.sent.at(-1);
    expect(reply?.Destination?.ToAddresses?.some((to) => to.includes("ana@cliente.es"))).toBe(true);
    const carried = reply?.Content?.Simple?.Attachments ?? [];
    expect(carried.map((a) => [a.FileName, a.ContentType])).toEqual([["guia.pdf", "application/pdf"]]);
    expect(Buffer.from(carried[0]?.RawContent ?? []).equals(pdf)).toBe(true);
  });
});

describe("a file the client's mail cannot carry", () => {
  it("is named to the technicians with its reason, and the client's mail still goes", async () => {
    const { receiveMail } = await import("../../functions/app/inbound");
    const { performOutboxItem } = await import("../../functions/app/outbox");
    const { memoryAttachmentStore } = await import("../../functions/app/attachments");
    const { mailWith } = await import("../support/attachment-mail");
    const { memoryWorld } = await import("../support/memory-world");
    const w = memoryWorld();
    const deps = { ...w.deps, attachments: memoryAttachmentStore() };
    const drain = async () => {
      for (const item of await deps.outbox.pending()) await performOutboxItem(deps, item);
    };
    await receiveMail(deps, mailWith([]));
    await drain();
    const before = w.sent.length;
    await receiveMail(
      deps,
      mailWith(
        [{ name: "setup.exe", type: "application/octet-stream", content: Buffer.from("MZ binary") }],
        { From: "Lucía <lucia@aviso.test>", Subject: "Re: [#T-1001] La impresora no imprime" },
        "Te mando el instalador del controlador.",
      ),
    );
    await drain();
    const mails = w.sent.slice(before);
    const toClient = mails.find((m) =>
      m.Destination?.ToAddresses?.some((to) => to.includes("ana@cliente.es")),
    );
    expect(toClient?.Content?.Simple?.Attachments ?? []).toEqual([]);
    const notice = mails.find((m) =>
      m.Destination?.ToAddresses?.some((to) => to.includes("lucia@aviso.test")),
    );
    const text = notice?.Content?.Simple?.Body?.Text?.Data ?? "";
    expect(notice?.Content?.Simple?.Subject?.Data).toContain("T-1001");
    expect(text).toContain("setup.exe");
    expect(text).toMatch(/\.exe/);
  });
});
