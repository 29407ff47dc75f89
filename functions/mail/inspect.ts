import { automatedVerdict, senderProblem } from "./classify";
import { type CommandParse, type MailCommand, parseCommand } from "./commands";
import { detectLanguage } from "./language";
import { type InboundMail, parseMail } from "./parse";
import { capBytes, isForward, MAX_STORED_TEXT_BYTES, splitReply } from "./quotes";
import { readToken, subjectTag } from "./thread";

export const MAIL_KINDS = [
  "new-request",
  "reply",
  "technician-command",
  "technician-reply",
  "auto-reply",
  "bounce",
  "bulk",
  /** DMARC FAIL for a domain whose owner asks receivers to quarantine or reject such mail. */
  "forged",
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
   * Accept allow-listed technicians without DMARC/DKIM evidence, unless a verdict says FAIL. Only
   * for the local runtime, where mail comes from this machine (config.trustLocalTechnicians).
   */
  trustTechniciansWithoutAuthentication?: boolean;
  /**
   * SES receipt verdicts, when the mail came through SES (on AWS always). When they are given,
   * headers in the message never authenticate anybody: the sender may have written them.
   */
  verdicts?: {
    spf?: string;
    dkim?: string;
    dmarc?: string;
    /** The From domain's DMARC policy; SES gives it only when the DMARC verdict is FAIL. */
    dmarcPolicy?: string;
  };
  /**
   * A mail the support lead released from quarantine: read as a person's, whatever automated-mail
   * signs (auto-reply, bounce, bulk) it carries. aviso's own mail coming back is still never answered.
   */
  skipAutomatedClassification?: boolean;
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
  /**
   * Whether SES authenticated the From domain (DMARC PASS, or a DKIM PASS aligned with it): only
   * then may aviso echo the sender's words back to the From address. Null without SES verdicts.
   */
  senderAuthenticated: boolean | null;
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
    senderAuthenticated: null,
    ...(mail ? { mail } : {}),
  };
}

async function classifyMail(mail: InboundMail, context: MailContext): Promise<Inspection> {
  const text = mail.text.replace(/^\uFEFF/, "");
  const { visible: own, quoted, quotedSubject, replyHeader } = splitReply(text);
  const forwarded = isForward(mail.subject, text) || (own === "" && text.trim() !== "");
  // What events store: capped by bytes, so no ticket event can outgrow a DynamoDB item.
  const visible = forwarded ? capBytes(text.trim(), MAX_STORED_TEXT_BYTES) : own;
  const language = detectLanguage(visible || mail.subject) ?? null;
  const notes: string[] = [];
  const senderAuthenticated = fromDomainAuthenticated(mail, context);
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
    senderAuthenticated,
    mail,
    ...extra,
  });

  // A sender read two ways is no sender: DMARC may have judged another address than ours.
  const fromProblem = senderProblem(mail);
  if (fromProblem) return result("unparseable", `ambiguous sender: ${fromProblem}`);
  const forged = dmarcForgery(mail, context.verdicts);
  if (forged) return result("forged", forged);

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

  const technician = technicianStatus(mail, context);
  // What the body says never makes an authenticated technician's mail automatic.
  const automated =
    mail.hasHeaders && !context.skipAutomatedClassification
      ? automatedVerdict(mail, own, { bodyHeuristics: !technician.authenticated })
      : undefined;
  // Never threaded, even when it carries a ticket code: an auto-reply must not touch a ticket.
  if (automated) return result(automated.kind, automated.reason);

  const thread = await findTicket(mail, context, notes);
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
    if (thread) {
      // Only a technician's own words reach the client: never a forward, never quoted history alone.
      const refusal =
        isForward(mail.subject, own) || (own === "" && isForward(mail.subject, text))
          ? "this is a forwarded message: aviso never relays a forward to the client. Write to the client in your own words, or keep it for the technicians with #note"
          : own === ""
            ? "your reply has no text of your own above the quoted message, so nothing was sent to the client. Write your answer above the quote"
            : undefined;
      if (refusal)
        return result("technician-command", `technician ${sender}: ${refusal}`, thread, {
          commandError: refusal,
        });
      return result(
        "technician-reply",
        `technician ${sender} wrote in the thread: relayed to the client (${technician.by})`,
        thread,
        { visibleText: own },
      );
    }
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

interface TechnicianStatus {
  claimed: boolean;
  authenticated: boolean;
  /** What authenticated the technician. */
  by?: string;
  /** Why an allow-listed sender was not taken as the technician. */
  why: string;
}

/**
 * An allow-listed address, authenticated (DESIGN §7). Through SES: its DMARC verdict PASS, or its
 * DKIM verdict PASS on a message whose every DKIM-Signature is of the From domain's organisation.
 * SES says only whether DKIM passed, not for which d=: with every signature aligned, whichever
 * passed is the From domain's. SPF alone proves nothing (it checks the envelope domain, which the
 * sender chooses), and neither do headers the sender may have written. Without SES verdicts (an
 * inspection of a stored mail, tests), the receiving server's Authentication-Results is read, by
 * the same rule. The local runtime may trust the allow-list alone, never past a FAIL.
 */
function technicianStatus(mail: InboundMail, context: MailContext): TechnicianStatus {
  const sender = mail.from?.address.toLowerCase();
  const claimed = Boolean(sender && context.technicians.map((t) => t.toLowerCase()).includes(sender));
  if (!claimed || !sender) return { claimed: false, authenticated: false, why: "" };
  const domain = sender.slice(sender.lastIndexOf("@") + 1);
  const verdicts = context.verdicts;
  const other = otherAddressInFrom(mail, sender);
  if (other)
    return {
      claimed,
      authenticated: false,
      why: `${sender} is on the technician list but the From header also names ${other}: treated as client mail, commands ignored`,
    };
  // Bounded: the patterns below scan each "pass" to the next ";".
  const results = (mail.headers.get("authentication-results") ?? "").slice(0, 8192);
  const refused = (evidence: string): TechnicianStatus => ({
    claimed,
    authenticated: false,
    why: `${sender} is on the technician list but the mail is not authenticated for ${domain} (${evidence}): treated as client mail, commands ignored`,
  });
  const headerFailure = /\b(spf=(fail|softfail)|dkim=fail|dmarc=fail)\b/i.test(results);
  if (verdicts) {
    const by = sesAuthentication(mail, verdicts, domain);
    if (by) return { claimed, authenticated: true, by, why: "" };
    const signers = dkimDomains(mail);
    const failed = [verdicts.spf, verdicts.dkim, verdicts.dmarc].includes("FAIL");
    if (context.trustTechniciansWithoutAuthentication && !failed && !headerFailure)
      return { claimed, authenticated: true, by: "trusted by the local runtime", why: "" };
    const evidence = `SES verdicts SPF ${verdicts.spf ?? "-"}, DKIM ${verdicts.dkim ?? "-"}${
      signers.length ? ` (signed by ${signers.join(", ")})` : ""
    }, DMARC ${verdicts.dmarc ?? "-"}; SPF alone and headers in the message do not count`;
    return refused(evidence);
  }
  if (headerFailure) return refused("Authentication-Results reports a failure");
  const ofDomain = `([\\w-]+\\.)*${escapeRegExp(domain)}(?![\\w.-])`;
  const dkimPass = new RegExp(`dkim=pass[^;]*header\\.(d|i)=@?${ofDomain}`, "i");
  const dmarcPass = new RegExp(`dmarc=pass[^;]*header\\.from=${ofDomain}`, "i");
  if (dkimPass.test(results) || dmarcPass.test(results))
    return { claimed, authenticated: true, by: "Authentication-Results (no SES verdicts)", why: "" };
  if (context.trustTechniciansWithoutAuthentication && !/\b(spf|dkim|dmarc)=/i.test(results))
    return { claimed, authenticated: true, by: "trusted by the local runtime", why: "" };
  return refused("no DKIM or DMARC pass; SPF alone does not count");
}

/**
 * "x@evil.example <lucia@…>": the address read is lucia's, but a reader that takes the first
 * address (SES's DMARC check, perhaps) judged evil.example. Authentication never holds then.
 */
function otherAddressInFrom(mail: InboundMail, sender: string): string | undefined {
  const named = (mail.headers.get("from") ?? "").slice(0, 998).match(/[^\s<>"(),;:]+@[^\s<>"(),;:]+/g) ?? [];
  return named.find((address) => address.toLowerCase() !== sender);
}

function fromDomainAuthenticated(mail: InboundMail, context: MailContext): boolean | null {
  const verdicts = context.verdicts;
  if (!verdicts) return null;
  const sender = mail.from?.address.toLowerCase();
  if (!sender || senderProblem(mail) || otherAddressInFrom(mail, sender)) return false;
  if (sesAuthentication(mail, verdicts, sender.slice(sender.lastIndexOf("@") + 1)) !== undefined) return true;
  // The local runtime's mail carries no verdicts (GRAY): its senders are unknown, not failed, as its
  // technicians are trusted without evidence. Never on AWS, and never past a FAIL.
  const failed = [verdicts.spf, verdicts.dkim, verdicts.dmarc].includes("FAIL");
  return context.trustTechniciansWithoutAuthentication && !failed ? null : false;
}

/**
 * What SES's verdicts prove of the From domain: DMARC PASS, or DKIM PASS on a message whose every
 * DKIM-Signature is of the From domain's organisation (SES says only whether DKIM passed, not for
 * which d=: with every signature aligned, whichever passed is the From domain's). A signature with
 * l= (a signed prefix of the body, to which anyone may append) never counts.
 */
function sesAuthentication(
  mail: InboundMail,
  verdicts: NonNullable<MailContext["verdicts"]>,
  domain: string,
): string | undefined {
  if (verdicts.dmarc === "PASS") return "SES DMARC PASS";
  if (verdicts.dmarc === "FAIL" || verdicts.dkim !== "PASS") return undefined;
  const signers = dkimDomains(mail);
  if (
    signers.length > 0 &&
    signers.every((d) => sameOrganisation(d, domain)) &&
    !/(^|;)\s*l\s*=/i.test(mail.headers.get("dkim-signature") ?? "")
  )
    return `SES DKIM PASS, signed by ${signers[0]}`;
  return undefined;
}

/** The d= of every DKIM-Signature header in the message, lower-case. */
function dkimDomains(mail: InboundMail): string[] {
  const signatures = mail.headers.get("dkim-signature");
  if (!signatures) return [];
  return signatures
    .split("\n")
    .map(
      (signature) =>
        /(?:^|;)\s*d\s*=\s*([^;\s]+)/i.exec(signature)?.[1]?.toLowerCase().replace(/\.$/, "") ?? "",
    );
}

/**
 * The same domain, or one a parent of the other (DMARC's relaxed alignment without the public
 * suffix list: siblings are refused). Safe without the list, since a DKIM pass needs control of
 * d='s DNS: a parent is the From domain's owner or a registry, a child is the From domain's owner.
 */
function sameOrganisation(d: string, domain: string): boolean {
  if (d === "" || domain === "") return false;
  if (d === domain) return true;
  const [longer, shorter] = d.length > domain.length ? [d, domain] : [domain, d];
  return shorter.includes(".") && longer.endsWith(`.${shorter}`);
}

/** A DMARC FAIL whose domain asks receivers to quarantine or reject: the From is forged. */
function dmarcForgery(mail: InboundMail, verdicts: MailContext["verdicts"]): string | undefined {
  if (verdicts?.dmarc !== "FAIL") return undefined;
  const policy = verdicts.dmarcPolicy?.toLowerCase();
  if (policy !== "quarantine" && policy !== "reject") return undefined;
  const domain = mail.from?.address.split("@").pop() ?? "the sender's domain";
  return `DMARC FAIL for ${domain}, whose owner asks receivers to ${policy} such mail (p=${policy}): a forged sender, never answered`;
}

function escapeRegExp(value: string) {
  return value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
