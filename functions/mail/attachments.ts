import { createHash } from "node:crypto";
import PostalMime, { type Attachment } from "postal-mime";

/**
 * The limits on what of a mail's attachments aviso keeps apart from the raw mail. The raw mail (kept
 * whole before anything reads it) still holds every part, so nothing beyond them is lost: it is listed
 * in the technicians' notice as not kept, with why.
 */
export const ATTACHMENT_LIMITS = {
  /** Attachments kept (stored and linked) per mail. */
  keptPerMail: 10,
  /** Attachments listed per mail (the event's bound); the rest are counted in the raw mail only. */
  listedPerMail: 20,
  /** Bytes of one kept attachment (10 MiB). */
  bytesEach: 10 * 1024 * 1024,
  /** Bytes kept of all attachments of one mail (25 MiB); SES receives mail up to 40 MB. */
  bytesTotal: 25 * 1024 * 1024,
  /** Raw mail read for attachments at all (SES's own receiving limit). */
  rawBytes: 40 * 1024 * 1024,
} as const;

export interface MailAttachment {
  /** A safe file name (never a path): the sender's, cleaned, or attachment-N. */
  name: string;
  contentType: string;
  size: number;
  sha256: string;
  /** The bytes, when within the limits; otherwise why they were not kept. */
  content?: Buffer;
  notKept?: string;
}

/**
 * The attachments of a FULL raw mail (parse.ts reads only a bounded view), with their bytes within
 * ATTACHMENT_LIMITS. The HTML or text body postal-mime sometimes hands back as an inline part (a second
 * text part, an alternative body) is no attachment and is skipped; an inline image is kept (pasted
 * screenshots). Never throws: a mail postal-mime cannot read has no attachments here (it is read, or
 * quarantined, by inspection).
 */
export async function extractAttachments(raw: Buffer): Promise<MailAttachment[]> {
  if (raw.length === 0 || raw.length > ATTACHMENT_LIMITS.rawBytes) return [];
  let parts: Attachment[];
  try {
    parts = (await PostalMime.parse(raw, { attachmentEncoding: "arraybuffer", maxNestingDepth: 50 }))
      .attachments;
  } catch {
    return [];
  }
  const out: MailAttachment[] = [];
  let total = 0;
  for (const part of parts) {
    if (isBodyPart(part)) continue;
    if (out.length >= ATTACHMENT_LIMITS.listedPerMail) break;
    const content = bytesOf(part.content);
    const name = safeFileName(part.filename, out.length + 1, part.mimeType);
    const kept = out.filter((a) => a.content).length;
    const notKept =
      kept >= ATTACHMENT_LIMITS.keptPerMail
        ? `more than ${ATTACHMENT_LIMITS.keptPerMail} attachments: kept in the raw mail only`
        : content.length > ATTACHMENT_LIMITS.bytesEach
          ? `larger than ${mib(ATTACHMENT_LIMITS.bytesEach)}: kept in the raw mail only`
          : total + content.length > ATTACHMENT_LIMITS.bytesTotal
            ? `attachments over ${mib(ATTACHMENT_LIMITS.bytesTotal)} in all: kept in the raw mail only`
            : undefined;
    if (!notKept) total += content.length;
    out.push({
      name,
      contentType: cleanContentType(part.mimeType),
      size: content.length,
      sha256: createHash("sha256").update(content).digest("hex"),
      ...(notKept ? { notKept } : { content }),
    });
  }
  return out;
}

const mib = (bytes: number) => `${bytes / (1024 * 1024)} MiB`;

function isBodyPart(part: Attachment): boolean {
  const type = part.mimeType.toLowerCase();
  return (
    !part.filename && part.disposition !== "attachment" && (type === "text/html" || type === "text/plain")
  );
}

function bytesOf(content: Attachment["content"]): Buffer {
  if (typeof content === "string") return Buffer.from(content, "utf8");
  if (content instanceof ArrayBuffer) return Buffer.from(content);
  return Buffer.from(content.buffer, content.byteOffset, content.byteLength);
}

const EXTENSIONS: Record<string, string> = {
  "image/png": "png",
  "image/jpeg": "jpg",
  "image/gif": "gif",
  "application/pdf": "pdf",
  "text/plain": "txt",
  "text/html": "html",
};

/** A name for a link and an S3 key: no path, no control or odd characters, at most 100 characters. */
export function safeFileName(given: string | null | undefined, n: number, contentType: string): string {
  const base = (given ?? "").split(/[\\/]/).pop() ?? "";
  const cleaned = base
    .normalize("NFKC")
    .replace(/[^\p{L}\p{N} ._()-]/gu, "_")
    .replace(/^[.\s]+/, "")
    .trim()
    .slice(-100);
  if (cleaned.length > 0) return cleaned;
  return `attachment-${n}.${EXTENSIONS[contentType.toLowerCase()] ?? "bin"}`;
}

function cleanContentType(type: string): string {
  const t = type.toLowerCase().trim();
  return /^[a-z0-9!#$&^_.+-]{1,64}\/[a-z0-9!#$&^_.+-]{1,64}$/.test(t) ? t : "application/octet-stream";
}

/**
 * SES's limit on one sent message, attachments included after their base64 encoding (SESv2 SendEmail;
 * "40MB total message size" in the SES developer guide, read as 40,000,000 bytes to stay on the safe side).
 */
export const SES_MESSAGE_LIMIT_BYTES = 40_000_000;
/** Room kept for headers and MIME boundaries beyond the body and the attachments. */
const SES_HEADROOM_BYTES = 200_000;

/** Extensions SES refuses to send (SES developer guide, "Unsupported attachment types"). */
const SES_UNSUPPORTED_EXTENSIONS = new Set(
  (
    "ade adp app asp bas bat cer chm cmd com cpl crt csh der exe fxp gadget hlp hta inf ins isp its js jse " +
    "ksh lib lnk mad maf mag mam maq mar mas mat mau mav maw mda mdb mde mdt mdw mdz msc msh msh1 msh2 " +
    "mshxml msh1xml msh2xml msi msp mst ops pcd pif plg prf prg reg scf scr sct shb shs sys ps1 ps1xml ps2 " +
    "ps2xml psc1 psc2 tmp url vb vbe vbs vps vsmacros vss vst vsw vxd ws wsc wsf wsh xnk"
  ).split(" "),
);

/** One SESv2 `Content.Simple.Attachments` entry (the SDK base64-encodes RawContent). */
export interface SesAttachment {
  FileName: string;
  ContentType: string;
  ContentDisposition: "ATTACHMENT";
  ContentTransferEncoding: "BASE64";
  RawContent: Uint8Array;
}

/**
 * The files of a technician's mail that one SES message to the client can carry, in order, and those
 * it cannot with why (an extension SES refuses, or past the 40 MB message): the outbox sends the
 * first, and the technician is told of the second, which stay kept (nothing is lost).
 */
export function sesAttachments(
  files: { name: string; contentType: string; content: Buffer }[],
  bodyBytes: number,
): { attachments: SesAttachment[]; left: { name: string; reason: string }[] } {
  const attachments: SesAttachment[] = [];
  const left: { name: string; reason: string }[] = [];
  let used = bodyBytes + SES_HEADROOM_BYTES;
  for (const file of files) {
    const extension = /\.([^.]+)$/.exec(file.name)?.[1]?.toLowerCase();
    const encoded = Math.ceil(file.content.length / 3) * 4 * (78 / 76);
    if (extension && SES_UNSUPPORTED_EXTENSIONS.has(extension))
      left.push({ name: file.name, reason: `SES does not send .${extension} files` });
    else if (used + encoded > SES_MESSAGE_LIMIT_BYTES)
      left.push({ name: file.name, reason: "past SES's 40 MB limit on one message" });
    else {
      used += encoded;
      attachments.push({
        FileName: file.name.slice(-255),
        ContentType: file.contentType,
        ContentDisposition: "ATTACHMENT",
        ContentTransferEncoding: "BASE64",
        RawContent: new Uint8Array(file.content),
      });
    }
  }
  return { attachments, left };
}
