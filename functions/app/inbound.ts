import { createHash } from "node:crypto";
import { type Decision, EventValidationError, isClientOrCopied, type TicketEventInput } from "../core";
import { type Inspection, inspectMail } from "../mail/inspect";
import { applyEvent, type CoreDeps } from "./apply";
import { type AttachmentStore, keepAttachments } from "./attachments";
import { countInboundMail, holdOverInboundCap } from "./inbound-cap";
import { OUTBOUND_WINDOW_SECONDS } from "./limits";
import { copiedOnMail, mailEvent } from "./mail-event";
import { ConflictError, type MailLedger, type QuarantineRepository, type Throttle } from "./ports";

export interface RawMailStore {
  /** Keeps the raw mail before anything else reads it; returns where it is. */
  put(id: string, raw: Buffer): Promise<string>;
}

export interface InboundDeps extends CoreDeps {
  /** Where raw mail is kept when it arrives without a reference (on AWS the receipt rule keeps it). */
  rawMail?: RawMailStore;
  /** Where a client mail's attachments are kept apart (without it they are listed, in the raw mail only). */
  attachments?: AttachmentStore;
  mail: MailLedger;
  throttle: Throttle;
  quarantine: QuarantineRepository;
}

export interface InboundMeta {
  /** Where the raw mail already is (S3 on AWS); when absent it is stored first. */
  rawRef?: string;
  /** SES verdicts for the technician check; dmarcPolicy comes only with a DMARC FAIL. */
  verdicts?: {
    spf?: string;
    dkim?: string;
    dmarc?: string;
    dmarcPolicy?: string;
    spam?: string;
    virus?: string;
  };
  /**
   * The support lead released this kept mail from quarantine (POST /quarantine/{id}/release): it is
   * read as a person's mail, past the spam verdict, the automated-mail classification and the caps
   * (per sender and global), and it is not counted as inbound traffic. A virus verdict FAIL and a
   * forged sender still hold it.
   */
  release?: true;
}

/** What became of one inbound mail: its event's decision, or the quarantine that holds it. */
export type InboundOutcome =
  | {
      /** The policy's verdict on the mail's event (DESIGN §2: applied, duplicate, stale or rejected). */
      outcome: Decision["outcome"];
      ticketId: string;
      kind: Inspection["kind"];
      eventId: string;
      newTicket: boolean;
      /** Why it was not applied. */
      reason?: string;
      /**
       * The ticket the mail pointed at (token, References or subject tag) although its sender is no
       * participant of it: the mail opened `ticketId`, the sender's own, instead (DESIGN §7).
       */
      pointedAt?: string;
    }
  | {
      outcome: "quarantined";
      kind: Inspection["kind"] | "virus" | "spam" | "rate-limited" | "unprocessed";
      reason: string;
      rawRef: string;
    };

/** New requests, each within minutes of aviso's last mail to the sender, that make it an auto-responder. */
export const RESPONDER_QUICK_NEW_REQUESTS_PER_DAY = 3;
const RESPONDER_QUICK_MINUTES = 5;

/**
 * The loop classic helpdesks fall into: an auto-responder without RFC 3834 headers answers each of our
 * mails with a fresh message, which opens a ticket, whose acknowledgement it answers again. A sender
 * that opens a new request within minutes of our last mail to it, three times in a day, is flagged:
 * its mail is still kept and its tickets opened, but aviso mails it nothing automatic any more, and
 * the technicians are told (the flag's delivery-failed notice).
 */
async function watchForResponder(deps: InboundDeps, sender: string, now: Date): Promise<string | undefined> {
  const last = await deps.throttle.lastMailedAt(sender, OUTBOUND_WINDOW_SECONDS, now);
  if (!last || now.getTime() - Date.parse(last) > RESPONDER_QUICK_MINUTES * 60_000) return undefined;
  const quick = await deps.throttle.countInWindow(`quick-new#${sender}`, 86_400, now);
  // An expired flag is no flag: a responder still looping a week later is flagged afresh.
  if (quick < RESPONDER_QUICK_NEW_REQUESTS_PER_DAY || (await deps.throttle.isFlagged(sender, now)))
    return undefined;
  const reason = `looks like an auto-responder: ${quick} new requests today, each within ${RESPONDER_QUICK_MINUTES} minutes of our last mail to it; no more automatic mail to it`;
  await deps.throttle.flagAddress(sender, reason, now);
  deps.log.warn("address flagged as an auto-responder", { address: sender, quick });
  return reason;
}

/** Incoming mail per sender in ten minutes beyond which mail is kept but not acted on (loop guard). */
const INBOUND_PER_SENDER_PER_10_MIN = 20;

type Quarantined = Extract<InboundOutcome, { outcome: "quarantined" }>;

/**
 * One inbound mail: kept raw first, read, and turned into a ticket event. Automatic mail is never
 * answered; mail that cannot be processed is quarantined with its reason, never dropped.
 */
export async function receiveMail(
  deps: InboundDeps,
  raw: Buffer,
  meta: InboundMeta = {},
): Promise<InboundOutcome> {
  const now = deps.clock.now();
  const digest = createHash("sha256").update(raw).digest("hex").slice(0, 32);
  const rawRef = meta.rawRef ?? (await deps.rawMail?.put(`${now.toISOString().slice(0, 10)}/${digest}`, raw));
  if (!rawRef) throw new Error("raw mail must be kept before it is read: give meta.rawRef or deps.rawMail");
  const quarantine = async (kind: Quarantined["kind"], reason: string, inspection?: Inspection) => {
    await deps.quarantine.quarantine({
      at: now.toISOString(),
      id: digest,
      kind,
      reason,
      rawRef,
      ...(inspection?.mail?.from?.address ? { from: inspection.mail.from.address } : {}),
      ...(inspection?.mail?.subject ? { subject: inspection.mail.subject } : {}),
    });
    deps.log.warn("mail quarantined", { kind, reason, rawRef });
    return { outcome: "quarantined" as const, kind, reason, rawRef };
  };

  // An error that a retry cannot get past (a bug, a mail our code cannot take, an item the table
  // refuses) ends in quarantine with its reason, not in three tries and a dead-letter queue. Anything
  // else (throttling, a 5xx, the network, a version race lost eight times, a process that died)
  // propagates, so the source delivers the mail again: that is what keeps "0 lost under faults", and
  // a held mail would turn every passing outage into a manual release.
  let inspected: Inspection | undefined;
  try {
    return await processMail(deps, raw, meta, { now, digest, rawRef, quarantine }, (i) => {
      inspected = i;
    });
  } catch (error) {
    if (!isPermanentFailure(error)) throw error;
    const reason = `could not be processed: ${(error as Error).name}: ${(error as Error).message}`;
    deps.log.error("inbound mail failed; quarantined", { rawRef, reason });
    return quarantine("unprocessed", reason.slice(0, 2_000), inspected);
  }
}

const PROGRAMMING_ERRORS = new Set(["TypeError", "RangeError", "ReferenceError", "SyntaxError", "ZodError"]);
const THROTTLING = /throttl|provisionedthroughput|requestlimit|toomanyrequests|slowdown|limitexceeded/i;

/**
 * Whether trying the same mail again would fail the same way: our own code's errors, and requests
 * AWS refuses as such (HTTP 4xx that is no throttling, e.g. DynamoDB's "Item size has exceeded the
 * maximum allowed size"). Unknown errors count as passing: the source retries them.
 */
export function isPermanentFailure(error: unknown): boolean {
  if (!(error instanceof Error) || error instanceof ConflictError) return false;
  if (error instanceof EventValidationError || PROGRAMMING_ERRORS.has(error.name)) return true;
  const aws = error as Error & {
    $fault?: string;
    $retryable?: unknown;
    CancellationReasons?: { Code?: string }[];
  };
  if (aws.$fault !== "client" || aws.$retryable || THROTTLING.test(aws.name)) return false;
  // A cancelled transaction is permanent only when an item was refused, not when it lost a race.
  if (aws.name === "TransactionCanceledException")
    return (aws.CancellationReasons ?? []).some((r) => r.Code === "ValidationError");
  return true;
}

async function processMail(
  deps: InboundDeps,
  raw: Buffer,
  meta: InboundMeta,
  kept: {
    now: Date;
    digest: string;
    rawRef: string;
    quarantine: (kind: Quarantined["kind"], reason: string, inspection?: Inspection) => Promise<Quarantined>;
  },
  inspected: (inspection: Inspection) => void,
): Promise<InboundOutcome> {
  const { now, digest, rawRef, quarantine } = kept;
  // Every inbound mail counts against the global cap, whatever becomes of it; the cap decides below,
  // once the mail is read (see holdOverInboundCap there). A release is the lead's act, not traffic.
  const inboundCount = meta.release ? undefined : await countInboundMail(deps, now);
  if (meta.verdicts?.virus === "FAIL") return quarantine("virus", "SES virus verdict FAIL");
  if (meta.verdicts?.spam === "FAIL" && !meta.release) return quarantine("spam", "SES spam verdict FAIL");

  const config = deps.config;
  const inspection = await inspectMail(raw, {
    supportAddress: config.supportAddress,
    technicians: config.technicians.map((t) => t.address),
    tokenSecret: config.tokenSecret,
    technicianTimeZone: config.technicianTimeZone,
    trustTechniciansWithoutAuthentication: config.trustLocalTechnicians,
    ...(meta.verdicts ? { verdicts: meta.verdicts } : {}),
    // A release is read as a person's mail (MailContext.skipAutomatedClassification, mail/inspect.ts).
    ...(meta.release ? { skipAutomatedClassification: true } : {}),
    lookupMessageId: (id) => deps.mail.lookupMessage(id),
  });
  inspected(inspection);
  const mail = inspection.mail;
  if (inspection.kind === "unparseable" || !mail)
    return quarantine("unparseable", inspection.reason, inspection);
  // A forged sender is held with its reason before anything else reads it: it opens nothing, steers
  // no ticket it names, and does not use up the allowance of the address it forged.
  if (inspection.kind === "forged") return quarantine("forged", inspection.reason, inspection);
  if (inspection.kind === "auto-reply" || inspection.kind === "bounce" || inspection.kind === "bulk")
    return quarantine(inspection.kind, inspection.reason, inspection);
  const sender = mail.from?.address;
  if (!sender) return quarantine("unparseable", "no sender address", inspection);
  const byTechnician = inspection.kind === "technician-command" || inspection.kind === "technician-reply";
  // The global cap decides here, after the mail is read rather than before: inspection is bounded
  // (well under a second), and reading first gives the held entry its sender and subject (the lead's
  // list and digest, forgetting a client by address) and lets an authenticated technician through,
  // so a flood of forged mail never locks out the staff who handle it. Mail held for another reason
  // above keeps that reason and is no capped mail.
  const capped =
    inboundCount === undefined || byTechnician ? undefined : holdOverInboundCap(deps, inboundCount);
  if (capped) return quarantine("rate-limited", capped, inspection);
  const recent = meta.release ? 0 : await deps.throttle.countInWindow(`in#${sender}`, 600, now);
  if (recent > INBOUND_PER_SENDER_PER_10_MIN)
    return quarantine(
      "rate-limited",
      `${recent} mails from ${sender} in ten minutes: kept, not acted on`,
      inspection,
    );

  const messageId = mail.messageId ?? `<${digest}@aviso.invalid>`;
  const eventId = `mail:${messageId.toLowerCase()}`;
  const technician = config.technicians.find((t) => t.address.toLowerCase() === sender);

  let ticketId = inspection.ticketRef ?? undefined;
  const pointedAt = ticketId ? await deps.tickets.load(ticketId) : undefined;
  if (!pointedAt) ticketId = undefined;
  // DESIGN §7: a ticket's own threading counts only for its participants. Technicians are
  // participants when their mail is authenticated (the inspection's technician kinds).
  const outsider = pointedAt && !byTechnician && !isClientOrCopied(pointedAt, sender) ? pointedAt : undefined;
  if (outsider) {
    ticketId = undefined;
    deps.log.warn("mail about a ticket from a non-participant: opens their own ticket", {
      ticketId: outsider.id,
      from: sender,
      threadedBy: inspection.threadedBy,
    });
  }
  const unflagging =
    inspection.kind === "technician-command" &&
    inspection.command?.name === "unflag" &&
    !inspection.commandError
      ? (inspection.command.addresses ?? [])
      : undefined;
  if (unflagging && !ticketId) {
    // The flags belong to addresses, not tickets: lifted all the same. With no timeline to note it
    // on, the mail stays listed for the lead (GET /quarantine, the digest) as the record of it.
    const lifted = await liftFlags(deps, unflagging, sender, now);
    return quarantine(
      "technician-command",
      `${lifted.summary}; no ticket addressed: kept here as the record`,
      inspection,
    );
  }
  const opensTicket = !ticketId && (inspection.kind === "new-request" || inspection.kind === "reply");
  if (!ticketId && !opensTicket)
    return quarantine(inspection.kind, `${inspection.reason}; no ticket to apply it to`, inspection);

  const responder = opensTicket && !technician ? await watchForResponder(deps, sender, now) : undefined;
  let newTicket = false;
  if (opensTicket) ({ ticketId, newTicket } = await ticketForNewMail(deps, messageId, now));
  if (!ticketId) return quarantine(inspection.kind, "no ticket", inspection);

  const displayName = mail.from?.name;
  const actorName = technician?.name ?? displayName;
  const actor = { address: sender, ...(actorName ? { name: actorName } : {}) };
  const lifted = unflagging ? await liftFlags(deps, unflagging, sender, now) : undefined;
  // Kept after the raw mail and before the event, under the ticket they arrive on: a client's mail's,
  // and a technician's reply's for the client (a virus FAIL was held above, unread). The bounded
  // parse above tells whether there are any.
  const withFiles =
    inspection.kind === "technician-reply" ||
    (!byTechnician && (inspection.kind === "new-request" || inspection.kind === "reply"));
  const attachments =
    withFiles && mail.attachments.length > 0
      ? await keepAttachments(deps.attachments, ticketId, raw, deps.log)
      : [];
  const mailed = lifted
    ? unflagEvent(lifted, { id: eventId, ticketId, actor, rawRef })
    : mailEvent(inspection, {
        ticketId,
        opensTicket,
        eventId,
        messageId,
        from: { address: sender, ...(displayName ? { name: displayName } : {}) },
        actor,
        defaultLocale: config.defaultLocale,
        rawRef,
        ...(opensTicket
          ? {
              cc: copiedOnMail(mail, {
                sender,
                supportAddress: config.supportAddress,
                technicians: config.technicians.map((t) => t.address),
              }),
            }
          : {}),
        ...(outsider ? { pointedAt: outsider.id } : {}),
      });
  const event =
    attachments.length > 0 &&
    (mailed.type === "client-new" || mailed.type === "client-reply" || mailed.type === "reply")
      ? { ...mailed, attachments }
      : mailed;
  let decision: Decision;
  try {
    decision = await applyEvent(deps, event, { newTicket });
  } catch (error) {
    // A mail whose parts cannot make a valid event (a sender like "x@y", say) is kept and reported.
    if (error instanceof EventValidationError)
      return quarantine("unparseable", `cannot be read as a ticket event: ${error.message}`, inspection);
    throw error;
  }
  // A note's timeline entry says only who wrote it; this one says what was lifted, and why it was held.
  if (lifted && lifted.lifted.length > 0 && decision.outcome === "applied")
    await deps.tickets.addTimeline(ticketId, {
      at: now.toISOString(),
      kind: "event",
      type: "unflag",
      summary: lifted.summary,
      data: { eventId, lifted: lifted.lifted, rawRef },
    });
  if (outsider && decision.outcome !== "rejected")
    await applyEvent(deps, {
      type: "third-party",
      id: `${eventId}#third-party`,
      ticketId: outsider.id,
      from: event.type === "client-new" ? event.from : { address: sender },
      text: event.type === "client-new" ? (event.text ?? "").slice(0, 20_000) : "",
      openedTicketId: ticketId,
      ...(inspection.threadedBy ? { threadedBy: inspection.threadedBy } : {}),
    });
  if (responder)
    await applyEvent(deps, {
      type: "delivery-failed",
      id: `responder:${sender}:${now.toISOString().slice(0, 10)}`,
      ticketId,
      address: sender,
      reason: responder,
    });
  // A mail that opened a ticket is indexed already: its message id claimed the ticket number.
  if (!opensTicket) await deps.mail.indexMessage(messageId, ticketId, now);
  // Also on a duplicate: the first delivery may have died between its commit and this line.
  if (decision.outcome !== "rejected" && (opensTicket || inspection.kind === "reply"))
    await deps.mail.appendThread(ticketId, messageId);
  return {
    outcome: decision.outcome,
    ticketId,
    kind: inspection.kind,
    eventId,
    newTicket,
    ...(decision.reason ? { reason: decision.reason } : {}),
    ...(outsider ? { pointedAt: outsider.id } : {}),
  };
}

interface LiftedFlags {
  lifted: string[];
  notFlagged: string[];
  /** What was done, for the timeline, the lead and the technician. */
  summary: string;
}

/** #unflag / #desmarcar from an authenticated technician: lifts each address's flag (DESIGN §7). */
async function liftFlags(
  deps: InboundDeps,
  addresses: string[],
  by: string,
  now: Date,
): Promise<LiftedFlags> {
  const lifted: string[] = [];
  const notFlagged: string[] = [];
  const said: string[] = [];
  for (const address of addresses) {
    const reason = await deps.throttle.isFlagged(address, now);
    if (await deps.throttle.clearFlag(address)) {
      lifted.push(address);
      said.push(`lifted the flag of ${address} (${reason ?? "expired already"})`);
    } else {
      notFlagged.push(address);
      said.push(`${address} was not flagged: nothing to lift`);
    }
  }
  if (lifted.length > 0) deps.log.info("flags lifted by a technician", { by, lifted });
  return { lifted, notFlagged, summary: `#unflag by ${by}: ${said.join("; ")}`.slice(0, 2_000) };
}

/**
 * The ticket's record of an #unflag: a note (internal, never sent) when a flag was lifted; when none
 * was, the command-error notice, so the technician hears of the address they mistyped. Both under the
 * mail's event id, so a second delivery (which finds nothing left to lift) is a duplicate.
 */
function unflagEvent(
  flags: LiftedFlags,
  context: { id: string; ticketId: string; actor: { address: string; name?: string }; rawRef: string },
): TicketEventInput {
  if (flags.lifted.length > 0) return { type: "note", ...context, text: flags.summary };
  return { type: "command-error", ...context, reason: flags.summary, text: "" };
}

/** The same mail delivered twice must open one ticket: its message id claims the ticket number. */
async function ticketForNewMail(deps: InboundDeps, messageId: string, now: Date) {
  const known = await deps.mail.lookupMessage(messageId);
  if (known) return { ticketId: known, newTicket: false };
  const allocated = await deps.tickets.nextTicketId();
  if (await deps.mail.claimMessage(messageId, allocated, now))
    return { ticketId: allocated, newTicket: true };
  const ticketId = (await deps.mail.lookupMessage(messageId)) ?? allocated;
  return { ticketId, newTicket: ticketId === allocated };
}
