import type { InboundMail } from "./parse";

export type AutomatedKind = "auto-reply" | "bounce" | "bulk";
export interface Verdict {
  kind: AutomatedKind;
  reason: string;
}

const DAEMON_SENDER =
  /^(mailer-daemon|mail-daemon|mailerdaemon|postmaster|mail\.?delivery|maildelivery|bounces?)$/i;
const DAEMON_NAME =
  /^(mail delivery (sub)?system|mailer[- ]daemon|postmaster|mail administrator|system administrator)$/i;
const BOUNCE_SUBJECT =
  /(undeliverable|undelivered|not delivered|delivery (status notification|failure|has failed|failed|notification|problem)|mail delivery failed|returned mail|failure notice|non remis|non recapitabile|unzustellbar|nicht zustellbar|no se (pudo|puede) entregar|no entregado|message status - undeliverable|mail system error|delayed mail|could not be delivered|could not send message|nondeliverable|non-delivery)/i;
const BOUNCE_BODY =
  /(this is the mail system at host|could not be delivered to one or more|delivery to the following recipients? (failed|has been delayed)|following (address|addresses|recipients?)[^\n]{0,40}(failed|permanent)|permanent (fatal )?errors?|user unknown|unknown user|no such user|mailbox (is )?(full|unavailable)|over quota|quota exceeded|message (could|was) not (be )?delivered|i'm sorry to have to inform you|delivery has failed to these recipients|your message (wasn't|was not|could not be) delivered|undeliverable message|has not yet been delivered|message delivery failed)/i;

const AUTO_REPLY_SUBJECT =
  /(^|\s|:)(automatic reply|auto[- ]?reply|auto[- ]?response|autoresponder|out of (the )?office|respuesta autom[aá]tica|r[ée]ponse automatique|risposta automatica|automatische antwort|abwesenheitsnotiz|automatyczna odpowied[zź]|fuera de la oficina|vacation (response|reply)|\(automatic response\)|absence du bureau)/i;
const CHALLENGE_HEADERS = /^x-(bluebottle|boxbe|spamarrest|mailblocks|sendio|choicemail|vanquish|tmda)/i;
const CHALLENGE_BODY =
  /(approved senders|allowed (senders )?list|whitelist|challenge[- ]response|verify (that )?you are (a )?(human|real person)|(click|follow)[^\n]{0,60}(link|below)[^\n]{0,120}(verif|approv|allowed|confirm|deliver)|sender verification|please verify your (e-?mail|address))/i;

const BULK_MAILER =
  /(mailchimp|sendgrid|infusion|campaign|newsletter|phplist|mailjet|constant ?contact|hubspot|marketo|j4l-gfimailer|mass ?mail)/i;
const UNSUBSCRIBE =
  /(unsubscribe|opt[- ]out|no longer wish to receive|to stop receiving|darse de baja|dar de baja|cancelar (la )?suscripci[oó]n|abbestellen|abmelden|d[ée]sabonner|se d[ée]sinscrire|disiscriviti)/i;

export interface AutomatedOptions {
  /**
   * Whether what the body says may count (delivery-failure, challenge and unsubscribe wording).
   * False for an authenticated technician, whose own words are never read as a machine's.
   */
  bodyHeuristics?: boolean;
}

/**
 * Whether a mail was sent by a machine, and why: RFC 3834 and the union of helpdesk rules. What the
 * body says never decides alone: a body rule holds a mail only beside a header that marks it as
 * automatic (a daemon sender, a bounce subject, a null Return-Path, a no-reply sender, a bulk
 * mailer's header), so a person who writes "unsubscribe" or "darse de baja" is read as a person.
 */
export function automatedVerdict(
  mail: InboundMail,
  visibleText: string,
  options: AutomatedOptions = {},
): Verdict | undefined {
  const body = options.bodyHeuristics !== false;
  return bounceVerdict(mail, body) ?? autoReplyVerdict(mail, body) ?? bulkVerdict(mail, visibleText, body);
}

const NO_REPLY_LOCAL =
  /^(no[-_.]?reply|do[-_.]?not[-_.]?reply|donotreply|no[-_.]?responder|newsletters?|news|mailer|marketing|notifications?|bounces?)([-+._].*)?$/i;
const SENDING_SERVICE_HEADER =
  /^(feedback-id|x-report-abuse|x-csa-complaints|x-mailgun-[\w-]+|x-mandrill-user|x-sfmc-stack|x-emarsys-[\w-]+|x-rpcampaign|x-mailer-recptid)$/i;

/**
 * A header that marks the mail as sent by a machine or a sending service, weaker than those that
 * decide alone: a no-reply sender, or a bulk-sending service's own header. Body rules need one.
 */
function automatedHeaderSign(mail: InboundMail): string | undefined {
  const addresses = [
    mail.from?.address,
    mail.replyTo?.address,
    header(mail, "sender"),
    header(mail, "return-path"),
  ];
  for (const value of addresses) {
    // Sliced first: a hostile header cannot make this unanchored search quadratic.
    const local = /<?\s*([^<>@\s]+)@/.exec((value ?? "").slice(0, 320))?.[1];
    if (local && NO_REPLY_LOCAL.test(local)) return `no-reply sender ${local}@`;
  }
  const service = [...mail.headers.keys()].find((name) => SENDING_SERVICE_HEADER.test(name));
  return service ? `sending-service header ${service}` : undefined;
}

function header(mail: InboundMail, name: string): string | undefined {
  return mail.headers.get(name);
}

function returnPathIsNull(mail: InboundMail): boolean {
  const returnPath = header(mail, "return-path");
  return returnPath !== undefined && /^<\s*>$|^$/.test(returnPath.trim());
}

function senderLocal(mail: InboundMail): string {
  return mail.from?.address.split("@")[0] ?? "";
}

function bounceVerdict(mail: InboundMail, bodyRules: boolean): Verdict | undefined {
  const contentType = header(mail, "content-type") ?? "";
  if (mail.contentType === "multipart/report") {
    const reportType = /report-type\s*=\s*"?([\w-]+)/i.exec(contentType)?.[1]?.toLowerCase();
    const what =
      reportType === "disposition-notification"
        ? "read receipt (MDN)"
        : reportType === "feedback-report"
          ? "abuse/feedback report (ARF)"
          : "delivery status report (DSN)";
    return {
      kind: "bounce",
      reason: `multipart/report${reportType ? `; report-type=${reportType}` : ""}: ${what}`,
    };
  }
  if (header(mail, "x-failed-recipients")) return { kind: "bounce", reason: "X-Failed-Recipients header" };
  const daemon =
    DAEMON_SENDER.test(senderLocal(mail)) || DAEMON_NAME.test(mail.from?.name ?? "") || !mail.from;
  const subject = BOUNCE_SUBJECT.test(mail.subject);
  // Each rule that reads the body also needs a header sign: the daemon sender, the subject, <>.
  const body = bodyRules && BOUNCE_BODY.test(mail.text.slice(0, 4000));
  const automatic = returnPathIsNull(mail) || isAutoSubmitted(mail) !== undefined;
  if (daemon && (subject || body))
    return { kind: "bounce", reason: `delivery failure from ${mail.from?.address ?? "an empty sender"}` };
  if (subject && (automatic || body))
    return { kind: "bounce", reason: `delivery failure notice: "${mail.subject}"` };
  if (returnPathIsNull(mail) && body)
    return { kind: "bounce", reason: "null Return-Path and a delivery failure text" };
  return undefined;
}

function isAutoSubmitted(mail: InboundMail): string | undefined {
  const value = header(mail, "auto-submitted")?.trim();
  return value && !/^no\b/i.test(value) ? value : undefined;
}

function autoReplyVerdict(mail: InboundMail, bodyRules: boolean): Verdict | undefined {
  const autoSubmitted = isAutoSubmitted(mail);
  if (autoSubmitted) return { kind: "auto-reply", reason: `Auto-Submitted: ${autoSubmitted}` };
  const precedence = header(mail, "precedence")?.trim().toLowerCase();
  if (precedence === "auto_reply") return { kind: "auto-reply", reason: "Precedence: auto_reply" };
  for (const name of [
    "x-autoreply",
    "x-autorespond",
    "x-autoresponder",
    "x-autogenerated",
    "x-auto-response-suppress",
  ]) {
    const value = header(mail, name);
    if (value !== undefined && !/^(no|false|none)$/i.test(value.trim())) {
      return { kind: "auto-reply", reason: `${name}: ${value.trim()}` };
    }
  }
  if (/vacation|auto/i.test(header(mail, "x-apple-action") ?? "")) {
    return { kind: "auto-reply", reason: `X-Apple-Action: ${header(mail, "x-apple-action")}` };
  }
  if (
    header(mail, "x-ms-exchange-inbox-rules-loop") ||
    /rules agent/i.test(header(mail, "x-ms-exchange-generated-message-source") ?? "")
  ) {
    return { kind: "auto-reply", reason: "Exchange mailbox-rule loop header" };
  }
  if (AUTO_REPLY_SUBJECT.test(mail.subject))
    return { kind: "auto-reply", reason: `auto-reply subject: "${mail.subject}"` };
  const challengeHeader = [...mail.headers.keys()].find((name) => CHALLENGE_HEADERS.test(name));
  if (challengeHeader)
    return { kind: "auto-reply", reason: `challenge-response system (${challengeHeader})` };
  if (
    bodyRules &&
    CHALLENGE_BODY.test(mail.text.slice(0, 3000)) &&
    (mail.subject === "" || /^(re|aw)\s*:/i.test(mail.subject))
  ) {
    const sign = automatedHeaderSign(mail);
    if (sign)
      return {
        kind: "auto-reply",
        reason: `challenge-response: asks the sender to verify before delivery (${sign})`,
      };
  }
  if (returnPathIsNull(mail))
    return { kind: "auto-reply", reason: "null Return-Path <>: an automatic message" };
  return undefined;
}

function bulkVerdict(mail: InboundMail, visibleText: string, bodyRules: boolean): Verdict | undefined {
  const precedence = header(mail, "precedence")?.trim().toLowerCase();
  if (precedence && ["bulk", "junk", "list"].includes(precedence))
    return { kind: "bulk", reason: `Precedence: ${precedence}` };
  for (const name of [
    "list-id",
    "list-unsubscribe",
    "list-post",
    "list-help",
    "mailing-list",
    "x-mailman-version",
    "x-mailing-list",
    "x-list",
    "newsgroups",
  ]) {
    if (header(mail, name) !== undefined) return { kind: "bulk", reason: `${name} header: a mailing list` };
  }
  const deliveredTo = header(mail, "delivered-to") ?? "";
  if (/mailing list/i.test(deliveredTo)) return { kind: "bulk", reason: "Delivered-To: mailing list" };
  if (
    /^yes/i.test(header(mail, "x-spam-flag") ?? "") ||
    /^yes/i.test(header(mail, "x-spam-status") ?? "") ||
    /^yes/i.test(header(mail, "x-spam") ?? "")
  ) {
    return { kind: "bulk", reason: "marked as spam by a filter on the way" };
  }
  const campaign = [...mail.headers.keys()].find((name) =>
    /^x-(campaign|mailsentid|batchid|inf|expid|mc-user|sg-eid|feedback-id)/i.test(name),
  );
  if (campaign) return { kind: "bulk", reason: `bulk-mailer header ${campaign}` };
  if (BULK_MAILER.test(header(mail, "x-mailer") ?? ""))
    return { kind: "bulk", reason: `bulk mailer: ${header(mail, "x-mailer")}` };
  if (header(mail, "errors-to"))
    return { kind: "bulk", reason: "Errors-To header: sent by a list or bulk mailer" };
  const returnPath = header(mail, "return-path") ?? "";
  if (/[<\s]bounces?[-+.@]|@bounce\.|[-+]bounces?@/i.test(` ${returnPath}`)) {
    return { kind: "bulk", reason: "bounce-handling (VERP) Return-Path of a bulk sender" };
  }
  const invitation =
    mail.attachments.some((a) => a.contentType === "text/calendar") || mail.contentType === "text/calendar";
  if (bodyRules && !invitation && UNSUBSCRIBE.test(visibleText)) {
    const sign = automatedHeaderSign(mail);
    if (sign)
      return { kind: "bulk", reason: `offers to unsubscribe (${sign}): a newsletter or marketing mail` };
  }
  return undefined;
}

/**
 * Whether the From header names exactly one sender in one reading. The parser takes the first
 * address of "a@x, b@y" and one of the two in "a@x <b@y>"; SES's DMARC check, a mail program and a
 * person may take another. So several From headers, several mailboxes or a group, two angle
 * addresses, an address outside the angle brackets that differs from the one inside, or an address
 * with two "@" make the sender unknown. Quoted display names and comments are names, not addresses.
 * So does a mailbox the parser read otherwise than its syntax says ("a@x <>", an unclosed "<").
 */
export function senderProblem(mail: InboundMail): string | undefined {
  // Header values are unfolded; repeated headers are joined with newlines (parse.ts).
  const values = mail.headers.get("from")?.split("\n") ?? [];
  if (values.length > 1) return `${values.length} From headers`;
  const read = mail.from?.address;
  if (read && (read.match(/@/g) ?? []).length > 1) return `the From address ${read} has two "@"`;
  return values[0] ? mailboxListProblem(values[0], read) : undefined;
}

interface Mailbox {
  bare: string;
  /** Bare text after the first angle address. */
  afterAngle: string;
  angles: string[];
}

function mailboxListProblem(value: string, read: string | undefined): string | undefined {
  const mailboxes: Mailbox[] = [{ bare: "", afterAngle: "", angles: [] }];
  let quoted = false;
  let comment = 0;
  let angle: string | undefined;
  let group = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i] as string;
    const current = mailboxes.at(-1) as Mailbox;
    if (quoted || comment > 0) {
      if (ch === "\\") i++;
      else if (quoted && ch === '"') quoted = false;
      else if (!quoted && ch === "(") comment++;
      else if (!quoted && ch === ")") comment--;
      continue;
    }
    if (angle !== undefined) {
      if (ch === ">") {
        current.angles.push(angle.trim());
        angle = undefined;
      } else angle += ch;
      continue;
    }
    if (ch === '"') quoted = true;
    else if (ch === "(") comment = 1;
    else if (ch === "<") angle = "";
    else if (ch === ",") mailboxes.push({ bare: "", afterAngle: "", angles: [] });
    else if (ch === ":") group = true;
    else if (ch !== ";") {
      current.bare += ch;
      if (current.angles.length > 0) current.afterAngle += ch;
    }
  }
  if (angle !== undefined) return "an angle bracket in the From header is never closed";
  if (group) return "the From header names a group of addresses";
  const named = mailboxes.filter((m) => m.bare.trim() !== "" || m.angles.length > 0);
  if (named.length > 1) return `${named.length} addresses in the From header`;
  const [mailbox] = named;
  if (!mailbox) return undefined;
  if (mailbox.angles.length > 1) return "two addresses in angle brackets in the From header";
  const bare = mailbox.bare.split(/\s+/).filter((word) => word.includes("@"));
  const inAngle = mailbox.angles[0];
  if (inAngle !== undefined) {
    if ((inAngle.match(/@/g) ?? []).length > 1) return `the From address ${inAngle} has two "@"`;
    // Before the brackets an address is a display name, as every reader takes it (Outlook writes
    // "ana@x <ana@x.example>"); after them, some readers take it for the address.
    const after = mailbox.afterAngle.split(/\s+/).find((word) => word.includes("@"));
    if (after) return `the From header names ${inAngle} in angle brackets and ${after} after them`;
    return readOtherwise(read, inAngle);
  }
  if (bare.length > 1) return `${bare.length} addresses in the From header`;
  if (bare[0] && (bare[0].match(/@/g) ?? []).length > 1) return `the From address ${bare[0]} has two "@"`;
  return readOtherwise(read, bare[0]);
}

function readOtherwise(read: string | undefined, written: string | undefined): string | undefined {
  if ((read ?? "") === (written ?? "").toLowerCase()) return undefined;
  return `the From header is read as ${read || "no address"} but written as <${written ?? ""}>`;
}
