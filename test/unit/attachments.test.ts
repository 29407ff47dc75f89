/**
 * Issue 16, attachments in: a client mail's attachments are kept apart from the raw mail, listed in
 * the technicians' notice by name, type and size, and linked to their exact bytes by a signed,
 * expiring link; a virus FAIL keeps none; the limits hold.
 */
import { createHash } from "node:crypto";
import type { SendEmailCommandInput } from "@aws-sdk/client-sesv2";
import { describe, expect, it } from "vitest";
import {
  attachmentLinksFor,
  handleAttachmentRequest,
  memoryAttachmentStore,
} from "../../functions/app/attachments";
import { receiveMail } from "../../functions/app/inbound";
import { ATTACHMENT_LIMITS, extractAttachments, safeFileName } from "../../functions/mail/attachments";
import { mailWith, PNG } from "../support/attachment-mail";
import { memoryWorld, recipients } from "../support/memory-world";

const sha = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

const text = (input: SendEmailCommandInput) =>
  `${input.Content?.Simple?.Body?.Text?.Data ?? ""}\n${input.Content?.Simple?.Body?.Html?.Data ?? ""}`;
const technicianNotices = (sent: SendEmailCommandInput[]) =>
  sent.filter((input) => recipients(input).includes("lucia@aviso.test"));
const linkIn = (body: string) => /https?:\/\/[^\s"<>)\]]+\/attachments\/[^\s"<>)\]]+/.exec(body)?.[0];

async function follow(deps: Parameters<typeof handleAttachmentRequest>[0], link: string) {
  const url = new URL(link.replace(/&amp;/g, "&"));
  const [, , ticketId = "", sha256 = ""] = url.pathname.split("/");
  return handleAttachmentRequest(deps, {
    ticketId: decodeURIComponent(ticketId),
    sha256,
    query: { exp: url.searchParams.get("exp") ?? undefined, sig: url.searchParams.get("sig") ?? undefined },
  });
}

function attachedWorld() {
  const w = memoryWorld();
  const store = memoryAttachmentStore();
  return { ...w, store, deps: { ...w.deps, attachments: store } };
}

describe("extracting attachments from the whole raw mail", () => {
  it("finds the PNG with its exact bytes, and no alternative body as an attachment", async () => {
    const found = await extractAttachments(
      mailWith([{ name: "error.png", type: "image/png", content: PNG }]),
    );
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ name: "error.png", contentType: "image/png", size: PNG.length });
    expect(found[0]?.sha256).toBe(sha(PNG));
    expect(found[0]?.content?.equals(PNG)).toBe(true);
  });

  it("reads an attachment well past the 64 lines the inspection view keeps", async () => {
    const big = Buffer.alloc(200_000, 7);
    const [found] = await extractAttachments(
      mailWith([{ name: "log.bin", type: "application/octet-stream", content: big }]),
    );
    expect(found?.size).toBe(big.length);
    expect(found?.sha256).toBe(sha(big));
  });

  it("keeps at most keptPerMail, lists them up to listedPerMail, and says why the rest are not kept", async () => {
    const parts = Array.from({ length: 22 }, (_, i) => ({
      name: `f${i}.txt`,
      type: "text/plain",
      content: Buffer.from(`file ${i}`),
    }));
    const found = await extractAttachments(mailWith(parts));
    expect(found).toHaveLength(ATTACHMENT_LIMITS.listedPerMail);
    expect(found.filter((a) => a.content)).toHaveLength(ATTACHMENT_LIMITS.keptPerMail);
    expect(found[ATTACHMENT_LIMITS.keptPerMail]?.notKept).toMatch(/more than 10 attachments/);
  });

  it("does not keep one attachment over bytesEach, nor past bytesTotal in all", async () => {
    const nine = Buffer.alloc(9 * 1024 * 1024, 1);
    const eleven = Buffer.alloc(11 * 1024 * 1024, 2);
    const over = await extractAttachments(
      mailWith([
        { name: "eleven.bin", type: "application/octet-stream", content: eleven },
        { name: "small.png", type: "image/png", content: PNG },
      ]),
    );
    expect(over.map((a) => Boolean(a.content))).toEqual([false, true]);
    expect(over[0]?.notKept).toMatch(/larger than 10 MiB/);
    expect(over[0]?.size).toBe(eleven.length);
    const found = await extractAttachments(
      mailWith(
        ["a", "b", "c"].map((n) => ({ name: `${n}.bin`, type: "application/octet-stream", content: nine })),
      ),
    );
    expect(found.map((a) => Boolean(a.content))).toEqual([true, true, false]);
    expect(found[2]?.notKept).toMatch(/25 MiB in all/);
  }, 30_000);

  it("makes file names safe: no path, no control characters, a name for a nameless part", () => {
    expect(safeFileName("../../etc/passwd", 1, "text/plain")).toBe("passwd");
    expect(safeFileName("C:\\Users\\ana\\captura 1.png", 1, "image/png")).toBe("captura 1.png");
    expect(safeFileName("a\u0000b\r\n.png", 1, "image/png")).toBe("a_b__.png");
    expect(safeFileName(undefined, 3, "image/png")).toBe("attachment-3.png");
    expect(safeFileName("...", 2, "application/x-foo")).toBe("attachment-2.bin");
  });
});

describe("a client mail's attachments reach the technicians (issue 16)", () => {
  it("the notice names the PNG with its type and size, and its link serves the exact bytes", async () => {
    const w = attachedWorld();
    const outcome = await receiveMail(
      w.deps,
      mailWith([{ name: "error.png", type: "image/png", content: PNG }]),
    );
    expect(outcome).toMatchObject({ outcome: "applied", ticketId: "T-1001", newTicket: true });
    expect([...w.store.files.values()].map((f) => f.name)).toEqual(["error.png"]);
    await w.drain();
    const [notice] = technicianNotices(w.sent);
    const body = text(notice as SendEmailCommandInput);
    expect(body).toContain("error.png");
    expect(body).toContain("image/png");
    expect(body).toContain(`${PNG.length} B`);
    const link = linkIn(body);
    expect(link, "the notice links to the attachment").toBeDefined();
    const response = await follow(w.deps, link as string);
    expect(response.status).toBe(200);
    expect(response.headers["content-type"]).toBe("image/png");
    expect(response.headers["content-disposition"]).toMatch(/^attachment; filename="error.png"/);
    expect(sha(response.body as Buffer)).toBe(sha(PNG));
  });

  it("the staff data carries the kept attachment; attachmentLinksFor signs a link that serves its bytes, refuses a tampered or expired one", async () => {
    const w = attachedWorld();
    await receiveMail(w.deps, mailWith([{ name: "error.png", type: "image/png", content: PNG }]));
    const notice = (await w.deps.outbox.list("T-1001")).find(
      (i) => i.effect.kind === "notify" && i.effect.template === "new-ticket",
    );
    const data = notice?.effect.kind === "notify" ? notice.effect.data : undefined;
    expect(data?.attachments).toEqual([
      expect.objectContaining({
        name: "error.png",
        contentType: "image/png",
        size: PNG.length,
        sha256: sha(PNG),
      }),
    ]);
    const linked = attachmentLinksFor(data as NonNullable<typeof data>, w.deps);
    const url = linked.attachments?.[0]?.url as string;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:3000\/attachments\/T-1001\/[0-9a-f]{64}\?exp=\d+&sig=/);
    const ok = await follow(w.deps, url);
    expect(sha(ok.body as Buffer)).toBe(sha(PNG));
    expect((await follow(w.deps, url.replace(/sig=./, "sig=A"))).status).toBe(403);
    expect((await follow(w.deps, url.replace("T-1001", "T-1002"))).status).toBe(403);
    w.advance(8 * 86_400_000);
    expect((await follow(w.deps, url)).status).toBe(410);
  });

  it("a later reply's attachment is listed in the client-replied notice", async () => {
    const w = attachedWorld();
    await receiveMail(w.deps, mailWith([]));
    await w.drain();
    const before = w.sent.length;
    await receiveMail(
      w.deps,
      mailWith([{ name: "segunda.png", type: "image/png", content: PNG }], {
        Subject: "Re: [#T-1001] La impresora no imprime",
      }),
    );
    await w.drain();
    const notices = technicianNotices(w.sent.slice(before));
    expect(notices).toHaveLength(1);
    expect(text(notices[0] as SendEmailCommandInput)).toContain("segunda.png");
  });

  it("a store that fails: the ticket opens all the same and the attachment is listed as in the raw mail", async () => {
    const w = memoryWorld();
    const failing = {
      put: async () => {
        throw Object.assign(new Error("Access Denied"), { name: "AccessDenied", $fault: "client" });
      },
      get: async () => undefined,
    };
    const outcome = await receiveMail(
      { ...w.deps, attachments: failing },
      mailWith([{ name: "error.png", type: "image/png", content: PNG }]),
    );
    expect(outcome).toMatchObject({ outcome: "applied", ticketId: "T-1001", newTicket: true });
    const notice = (await w.deps.outbox.list("T-1001")).find(
      (i) => i.effect.kind === "notify" && i.effect.template === "new-ticket",
    );
    const data = notice?.effect.kind === "notify" ? notice.effect.data : undefined;
    expect(data?.attachments?.[0]).toMatchObject({
      name: "error.png",
      notKept: expect.stringMatching(/could not be stored/),
    });
    expect(data?.attachments?.[0]?.ref).toBeUndefined();
  });

  it("a virus FAIL mail keeps and links nothing", async () => {
    const w = attachedWorld();
    const outcome = await receiveMail(
      w.deps,
      mailWith([{ name: "error.png", type: "image/png", content: PNG }]),
      {
        verdicts: { virus: "FAIL" },
      },
    );
    expect(outcome).toMatchObject({ outcome: "quarantined", kind: "virus" });
    expect(w.store.files.size).toBe(0);
  });

  it("without a store the attachment is listed as in the raw mail, never lost from the notice", async () => {
    const w = memoryWorld();
    await receiveMail(w.deps, mailWith([{ name: "error.png", type: "image/png", content: PNG }]));
    await w.drain();
    const body = text(technicianNotices(w.sent)[0] as SendEmailCommandInput);
    expect(body).toContain("error.png");
    expect(linkIn(body)).toBeUndefined();
  });
});
