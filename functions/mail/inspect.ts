import { automatedVerdict } from "./classify";
import { type CommandParse, type MailCommand, parseCommand } from "./commands";
import { detectLanguage } from "./language";
import { type InboundMail, parseMail } from "./parse";
import { isForward, splitReply } from "./quotes";
import { readToken, subjectTag } from "./thread";

export const MAIL_KINDS = [
  "new-request",
  "reply",
  "technician-command",
  "technician-reply",
  "auto-reply",
  "bounce",
  "bulk",
  "unparseable",
] as const;
export type MailKind = (typeof MAIL_KINDS)[number];

export interface MailContext {
  /** The support mailbox; plus-addresses of it carry ticket tokens. */
  supportAddress: string;
  /** Addresses aviso itself sends from (mail from them is never answered). */
  ownAddresses?: string[];
  /** Technician allow-list (lower-case addresses). */
  technicians: string[];
  tokenSecret: string;
  technicianTimeZone: string;
  /**
   * Accept allow-listed technicians without SPF/DKIM evidence. Only for the local runtime,
   * where mail comes from this machine.
   */
  trustTechniciansWithoutAuthentication?: boolean;
  /** SES receipt verdicts, when the mail came through SES. */
  verdicts?: { spf?: string; dkim?: string; dmarc?: string };
  /** Ticket of a message id aviso sent or received (the message index). */
  lookupMessageId?: (messageId: string) => Promise<string | undefined> | string | undefined;
}

export interface Inspection {
  kind: MailKind;
  reason: string;
  ticketRef: string | null;
  /** How the ticket was found: signed token, References/In-Reply-To, or the subject tag. */
  threadedBy: "token" | "references" | "subject" | null;
  visibleText: string;
  command: MailCommand | null;
  commandError: string | null;
  language: string | null;
  mail?: InboundMail;
}

/** Reads one raw mail and says what it is, which ticket it belongs to, and what it asks. Never throws. */
export async function inspectMail(raw: Buffer | string, context: MailContext): Promise<Inspection> {
  const parsed = await parseMail(raw);
  if (!parsed.ok) return unparseable(parsed.reason);
  try {
    return await classifyMail(parsed.mail, context);
  } catch (error) {
    return unparseable(`cannot read the message: ${(error as Error).message}`, parsed.mail);
  }
}

function unparseable(reason: string, mail?: InboundMail): Inspection {
  return {
    kind: "unparseable",
    reason,
    ticketRef: null,
    threadedBy: null,
    visibleText: "",
    command: null,
    commandError: null,
    language: null,
    ...(mail ? { mail } : {}),
  };
}

async function classifyMail(mail: InboundMail, context: MailContext): Promise<Inspection> {
  const text = mail.text.replace(/^\uFEFF/, "");
  const { visible: own, quoted, quotedSubject, replyHeader } = splitReply(text);
  const forwarded = isForward(mail.subject, text) || (own === "" && text.trim() !== "");
  const visible = forwarded ? text.trim() : own;
  const language = detectLanguage(visible || mail.subject) ?? null;
  const notes: string[] = [];
  const result = (
    kind: MailKind,
    reason: string,
    thread?: { ticketId: string; by: Inspection["threadedBy"] },
    extra: Partial<Inspection> = {},
  ): Inspection => ({
    kind,
    reason: [reason, ...notes].join("; "),
    ticketRef: thread?.ticketId ?? null,
    threadedBy: thread?.by ?? null,
    visibleText: visible,
    command: null,
    commandError: null,
    language,
    mail,
    ...extra,
  });

  const support = context.supportAddress.toLowerCase();
  const ownAddresses = new Set([support, ...(context.ownAddresses ?? []).map((a) => a.toLowerCase())]);
  const sender = mail.from?.address.toLowerCase();
  const [supportLocal, supportDomain] = support.split("@");
  if (
    sender &&
    (ownAddresses.has(sender) ||
      (sender.endsWith(`@${supportDomain}`) && sender.startsWith(`${supportLocal}+`)))
  ) {
    return result("auto-reply", `sent from aviso's own address ${sender}: never answered`);
  }
  if (mail.headers.has("x-aviso-ticket") && !mail.headers.has("in-reply-to")) {
    return result("auto-reply", "aviso's own mail came back (X-Aviso-Ticket)");
  }

  const automated = mail.hasHeaders ? automatedVerdict(mail, own) : undefined;
  // Never threaded, even when it carries a ticket code: an auto-reply must not touch a ticket.
  if (automated) return result(automated.kind, automated.reason);

  const thread = await findTicket(mail, context, notes);
  const technician = technicianStatus(mail, context);
  if (technician.claimed && !technician.authenticated) notes.push(technician.why);

  if (technician.authenticated) {
    const parsedCommand: CommandParse = parseCommand(own, context.technicianTimeZone);
    if (parsedCommand.kind === "error") {
      return result("technician-command", parsedCommand.reason, thread, {
        commandError: parsedCommand.reason,
      });
    }
    if (parsedCommand.kind === "command") {
      const where = thread ? "" : "; no ticket found for it";
      return result(
        "technician-command",
        `${parsedCommand.command.word} from technician ${sender}${where}`,
        thread,
        {
          command: parsedCommand.command,
        },
      );
    }
    if (thread)
      return result(
        "technician-reply",
        `technician ${sender} wrote in the thread: relayed to the client`,
        thread,
      );
  }

  if (thread) return result("reply", `client reply to ${thread.ticketId} (by ${thread.by})`, thread);
  if (forwarded)
    return result("new-request", "forwarded message: a new request carrying someone else's mail");
  if (!mail.hasHeaders)
    return result("reply", "body-only fragment (no headers): read as the body of a reply in a thread");
  // In-Reply-To alone, to a thread aviso does not know, is no reply to us: a fresh message.
  const repliesTo = mail.inReplyTo !== undefined || mail.references.length > 0;
  const replySigns = [
    REPLY_SUBJECT.test(mail.subject) ? "reply subject" : "",
    quoted && repliesTo ? "In-Reply-To and quoted history" : "",
    quoted && quotedSubject && sameSubject(quotedSubject, mail.subject)
      ? "quotes a message with the same subject"
      : "",
    replyHeader && own !== "" ? "quotes the earlier message below a reply header" : "",
  ].filter(Boolean);
  if (replySigns.length > 0) {
    return result(
      "reply",
      `a reply (${replySigns.join(", ")}) to no known ticket: opens one so nothing is lost`,
    );
  }
  return result("new-request", "new message from a person");
}

const REPLY_SUBJECT = /^\s*(re|aw|sv|antw|r|rif|odp|vs|ref|res)\s*(\[\d+\])?\s*:/i;

function sameSubject(a: string, b: string) {
  const bare = (s: string) =>
    s
      .replace(/^\s*((re|aw|sv|antw|r|rif|odp|vs|ref|res|fwd?|rv|wg|tr)\s*:\s*)+/i, "")
      .trim()
      .toLowerCase();
  return bare(a) !== "" && bare(a) === bare(b);
}

async function findTicket(mail: InboundMail, context: MailContext, notes: string[]) {
  const recipients = [...mail.to, ...mail.cc].map((a) => a.address);
  const delivered = mail.headers.get("delivered-to") ?? mail.headers.get("x-original-to");
  if (delivered) recipients.push(...delivered.split(/[\s,]+/));
  for (const recipient of recipients) {
    const token = readToken(recipient, context.supportAddress, context.tokenSecret);
    if (token?.valid) return { ticketId: token.ticketId, by: "token" as const };
    if (token && !token.valid) notes.push(`forged or tampered ticket token for ${token.ticketId} ignored`);
  }
  if (context.lookupMessageId) {
    const ids = [mail.inReplyTo, ...[...mail.references].reverse()].filter((id): id is string => Boolean(id));
    for (const id of ids) {
      const ticketId = await context.lookupMessageId(id);
      if (ticketId) return { ticketId, by: "references" as const };
    }
  }
  const tagged = subjectTag(mail.subject);
  if (tagged) return { ticketId: tagged, by: "subject" as const };
  return undefined;
}

function technicianStatus(mail: InboundMail, context: MailContext) {
  const sender = mail.from?.address.toLowerCase();
  const claimed = Boolean(sender && context.technicians.map((t) => t.toLowerCase()).includes(sender));
  if (!claimed || !sender) return { claimed: false, authenticated: false, why: "" };
  const verdicts = context.verdicts;
  const domain = sender.split("@")[1] ?? "";
  const results = mail.headers.get("authentication-results") ?? "";
  const explicitFailure =
    /\b(spf=(fail|softfail)|dkim=fail|dmarc=fail)\b/i.test(results) ||
    verdicts?.spf === "FAIL" ||
    verdicts?.dkim === "FAIL" ||
    verdicts?.dmarc === "FAIL";
  if (!explicitFailure) {
    if (verdicts && (verdicts.dkim === "PASS" || verdicts.spf === "PASS"))
      return { claimed, authenticated: true, why: "" };
    const dkimPass = new RegExp(
      `dkim=pass[^;]*header\\.(d|i)=@?([\\w.-]*\\.)?${escapeRegExp(domain)}\\b`,
      "i",
    ).test(results);
    const spfPass = new RegExp(`spf=pass[^;]*smtp\\.mailfrom=[^;\\s]*@?${escapeRegExp(domain)}\\b`, "i").test(
      results,
    );
    if (dkimPass || spfPass) return { claimed, authenticated: true, why: "" };
    // Only PASS or FAIL is evidence; the local runtime's GRAY verdicts are not.
    const verdictEvidence = [verdicts?.spf, verdicts?.dkim, verdicts?.dmarc].some(
      (v) => v === "PASS" || v === "FAIL",
    );
    if (
      context.trustTechniciansWithoutAuthentication &&
      !/\b(spf|dkim|dmarc)=/i.test(results) &&
      !verdictEvidence
    ) {
      return { claimed, authenticated: true, why: "" };
    }
  }
  return {
    claimed,
    authenticated: false,
    why: `${sender} is on the technician list but the mail has no SPF/DKIM pass for ${domain}: treated as client mail, commands ignored`,
  };
}

function escapeRegExp(value: string) {
  return value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
