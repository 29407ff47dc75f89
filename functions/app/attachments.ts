import type { AttachmentMeta, Locale, MessageData } from "../core";
import {
  extractAttachments,
  type MailAttachment,
  type SesAttachment,
  sesAttachments,
} from "../mail/attachments";
import {
  ATTACHMENT_LINK_LIFETIME_DAYS,
  attachmentBaseUrl,
  attachmentLink,
  verifyAttachmentLink,
} from "./attachment-links";
import type { Logger } from "./clock";
import type { SignedLinkQuery } from "./feedback-link";
import type { ApiResponse } from "./http";
import { escapeHtml } from "./pages/layout";

export interface StoredAttachment {
  name: string;
  contentType: string;
  content: Buffer;
}

/**
 * Where a client mail's attachments are kept apart from the raw mail, by ticket and content hash:
 * S3 `attachments/<ticketId>/<sha256>/<name>` on AWS (adapters/s3-attachments.ts), `.aviso/attachments`
 * locally. Putting the same file again is harmless (same key, same bytes): a mail delivered twice.
 */
export interface AttachmentStore {
  /** Keeps one attachment; returns its reference. */
  put(ticketId: string, attachment: StoredAttachment & { sha256: string }): Promise<string>;
  get(ticketId: string, sha256: string): Promise<StoredAttachment | undefined>;
  /**
   * A short-lived direct download URL (S3 presigned GET): when the store has one, the signed link
   * redirects to it rather than passing the bytes through the API.
   */
  presignedGet?(ticketId: string, sha256: string, seconds: number): Promise<string | undefined>;
  /** Every kept file of a ticket deleted (forgetting its client); how many there were. */
  removeTicket?(ticketId: string): Promise<number>;
}

/**
 * Seconds a presigned S3 URL works once a technician followed our signed link. It is minted at that
 * click, with the credentials the function holds then, so the role's session lifetime never cuts a
 * link short: the technicians' link itself is ours (ATTACHMENT_LINK_LIFETIME_DAYS).
 */
export const PRESIGNED_GET_SECONDS = 300;

/**
 * Keeps the attachments of a client mail (within ATTACHMENT_LIMITS) and returns what its event lists.
 * Without a store, or beyond the limits, an attachment is listed as not kept: it stays in the raw mail.
 */
export async function keepAttachments(
  store: AttachmentStore | undefined,
  ticketId: string,
  raw: Buffer,
  log?: { warn(message: string, data?: Record<string, unknown>): void },
): Promise<AttachmentMeta[]> {
  const found = await extractAttachments(raw);
  const kept: AttachmentMeta[] = [];
  for (const attachment of found) {
    try {
      kept.push(await keepOne(store, ticketId, attachment));
    } catch (error) {
      // The raw mail holds it whatever the store did: the ticket opens, the notice says where it is.
      log?.warn("attachment not kept apart", { ticketId, name: attachment.name, error: String(error) });
      const { content: _content, ...meta } = attachment;
      kept.push({ ...meta, notKept: "could not be stored: kept in the raw mail only" });
    }
  }
  return kept;
}

async function keepOne(
  store: AttachmentStore | undefined,
  ticketId: string,
  attachment: MailAttachment,
): Promise<AttachmentMeta> {
  const { content, notKept, ...meta } = attachment;
  if (!content || notKept) return { ...meta, notKept: notKept ?? "kept in the raw mail only" };
  if (!store) return { ...meta, notKept: "no attachment store here: kept in the raw mail only" };
  const ref = await store.put(ticketId, { ...meta, content });
  return { ...meta, ref };
}

/**
 * A staff notice's attachments with their links, made when the notice is sent (the outbox calls this
 * before rendering): each kept one gets a link signed for ATTACHMENT_LINK_LIFETIME_DAYS from now.
 */
export function attachmentLinksFor<T extends Pick<MessageData, "attachments" | "ticketId">>(
  data: T,
  deps: { config: { tokenSecret: string; feedbackUrl: string }; clock: { now(): Date } },
): T {
  if (!data.attachments?.length) return data;
  const base = attachmentBaseUrl(deps.config);
  const expiresAt = new Date(deps.clock.now().getTime() + ATTACHMENT_LINK_LIFETIME_DAYS * 86_400_000);
  return {
    ...data,
    attachments: data.attachments.map((a) =>
      a.ref && a.sha256
        ? { ...a, url: attachmentLink(base, data.ticketId, a.sha256, deps.config.tokenSecret, expiresAt) }
        : a,
    ),
  };
}

export interface AttachmentRequest {
  ticketId: string;
  sha256: string;
  query?: SignedLinkQuery;
}

export interface AttachmentResponse {
  status: 200 | 302 | 403 | 404 | 410;
  headers: Record<string, string>;
  body: Buffer | string;
}

/**
 * GET /attachments/{ticketId}/{sha256}?exp&sig: the exact bytes of a kept attachment, as a download
 * (Content-Disposition: attachment, no sniffing, sandboxed), or a redirect to a short presigned URL
 * where the store has one. A tampered link is refused with 403, an expired one with 410.
 */
export async function handleAttachmentRequest(
  deps: {
    attachments?: AttachmentStore;
    config: { tokenSecret: string };
    clock: { now(): Date };
  },
  request: AttachmentRequest,
): Promise<AttachmentResponse> {
  const text = (status: AttachmentResponse["status"], body: string): AttachmentResponse => ({
    status,
    headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" },
    body,
  });
  const { ticketId, sha256 } = request;
  if (!/^[0-9a-f]{64}$/.test(sha256) || !/^[\w-]{1,64}$/.test(ticketId)) return text(404, "not found");
  const verdict = verifyAttachmentLink(
    ticketId,
    sha256,
    request.query,
    deps.config.tokenSecret,
    deps.clock.now(),
  );
  if (verdict === "invalid") return text(403, "this link is not valid");
  if (verdict === "expired")
    return text(410, "this link has expired: the ticket's next notice has a fresh one");
  if (!deps.attachments) return text(404, "not found");
  const presigned = await deps.attachments.presignedGet?.(ticketId, sha256, PRESIGNED_GET_SECONDS);
  if (presigned)
    return { status: 302, headers: { location: presigned, "cache-control": "no-store" }, body: "" };
  const found = await deps.attachments.get(ticketId, sha256);
  if (!found) return text(404, "not found");
  return {
    status: 200,
    headers: {
      "content-type": found.contentType,
      "content-length": String(found.content.length),
      "content-disposition": contentDisposition(found.name),
      "x-content-type-options": "nosniff",
      "content-security-policy": "sandbox",
      "cache-control": "private, no-store",
    },
    body: found.content,
  };
}

/** RFC 6266: an ASCII fallback and the UTF-8 name (RFC 8187). */
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** The in-memory store of the app tests. */
export function memoryAttachmentStore(): AttachmentStore & { files: Map<string, StoredAttachment> } {
  const files = new Map<string, StoredAttachment>();
  return {
    files,
    put: async (ticketId, { sha256, ...file }) => {
      files.set(`${ticketId}/${sha256}`, file);
      return `memory://attachments/${ticketId}/${sha256}/${file.name}`;
    },
    get: async (ticketId, sha256) => files.get(`${ticketId}/${sha256}`),
    removeTicket: async (ticketId) => {
      const keys = [...files.keys()].filter((key) => key.startsWith(`${ticketId}/`));
      for (const key of keys) files.delete(key);
      return keys.length;
    },
  };
}

/** `GET /attachments/{ticketId}/{sha256}` with its query, or undefined for any other request. */
export function matchAttachmentRoute(
  method: string,
  path: string,
  query: Record<string, string | undefined> | undefined,
): AttachmentRequest | undefined {
  const route = /^\/attachments\/([\w-]{1,64})\/([0-9a-f]{64})\/?$/.exec(path);
  if (!route || method.toUpperCase() !== "GET") return undefined;
  return { ticketId: route[1] ?? "", sha256: route[2] ?? "", query: { exp: query?.exp, sig: query?.sig } };
}

/**
 * Attachments out: the files a technician's reply carries to the client, read back from the store at
 * send time (the outbox calls this for a send-client effect whose data has attachments and passes
 * `attachments` as SESv2 Content.Simple.Attachments). `left` names each file the mail cannot carry and
 * why (not kept, gone, an extension SES refuses, past 40 MB): the technician is told, and each stays
 * kept (store or raw mail), so nothing is lost.
 */
export async function clientMailAttachments(
  deps: { attachments?: AttachmentStore },
  data: Pick<MessageData, "attachments" | "ticketId">,
  bodyBytes: number,
): Promise<{ attachments: SesAttachment[]; left: { name: string; reason: string }[] }> {
  const files: StoredAttachment[] = [];
  const left: { name: string; reason: string }[] = [];
  for (const a of data.attachments ?? []) {
    const found = a.ref && a.sha256 ? await deps.attachments?.get(data.ticketId, a.sha256) : undefined;
    if (found) files.push(found);
    else left.push({ name: a.name, reason: a.notKept ?? "not found among the kept attachments" });
  }
  const sendable = sesAttachments(files, bodyBytes);
  return { attachments: sendable.attachments, left: [...left, ...sendable.left] };
}

/**
 * The attachment route inside the API (api.ts): a redirect to the presigned GET (the S3 store), or the
 * refusal. The API's responses are text, so a store that hands out bytes (the local folder) is served by
 * the local runtime's own route before the API (handleAttachmentRequest), never here.
 */
export async function attachmentApiRoute(
  deps: Parameters<typeof handleAttachmentRequest>[0],
  method: string,
  path: string,
  query: Record<string, string | undefined> | undefined,
): Promise<ApiResponse | undefined> {
  const request = matchAttachmentRoute(method, path, query);
  if (!request) return undefined;
  const response = await handleAttachmentRequest(deps, request);
  if (typeof response.body === "string") return { ...response, body: response.body };
  return {
    status: 501,
    headers: { "content-type": "text/plain; charset=utf-8" },
    body: "attachments are served by a presigning store here",
  };
}

/** The technicians' notice of files a client mail could not carry: which, why, and where they stay. */
export function attachmentsLeftNotice(
  locale: Locale,
  ticketId: string,
  to: string,
  left: { name: string; reason: string }[],
): { subject: string; text: string; html: string } {
  const words =
    locale === "es"
      ? {
          subject: `[#${ticketId}] Adjuntos que no se enviaron a ${to}`,
          intro: `Tu mensaje a ${to} salió sin estos archivos:`,
          kept: "Siguen guardados en el correo original. Si el cliente los necesita, envíaselos de otra forma.",
        }
      : {
          subject: `[#${ticketId}] Attachments not sent to ${to}`,
          intro: `Your message to ${to} went out without these files:`,
          kept: "They stay kept with the original mail. If the client needs them, send them another way.",
        };
  const text = [words.intro, "", ...left.map((l) => `- ${l.name}: ${l.reason}`), "", words.kept].join("\n");
  return {
    subject: words.subject,
    text,
    html: `<pre style="font-family:sans-serif;white-space:pre-wrap">${escapeHtml(text)}</pre>`,
  };
}

/**
 * The files a client mail carries (SESv2 attachments), and the technicians told at once of any it
 * cannot carry. The notice goes before the client's mail: a retry may repeat it, never lose it.
 */
export async function attachmentsForClientMail(
  deps: { attachments?: AttachmentStore; config: { defaultLocale: Locale }; log: Logger },
  data: Pick<MessageData, "attachments" | "ticketId">,
  to: string,
  bodyBytes: number,
  tell: (notice: { subject: string; text: string; html: string }) => Promise<unknown>,
): Promise<{ attachments?: SesAttachment[] }> {
  if (!data.attachments?.length) return {};
  const files = await clientMailAttachments(deps, data, bodyBytes);
  if (files.left.length > 0) {
    deps.log.warn("attachments not sent; the technicians are told", {
      ticketId: data.ticketId,
      left: files.left,
    });
    await tell(attachmentsLeftNotice(deps.config.defaultLocale, data.ticketId, to, files.left));
  }
  return files.attachments.length > 0 ? { attachments: files.attachments } : {};
}
