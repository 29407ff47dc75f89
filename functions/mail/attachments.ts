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
