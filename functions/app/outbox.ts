import type { SendEmailCommandInput } from "@aws-sdk/client-sesv2";
import type { AvisoConfig } from "../config";
import type { Effect, Person, Ticket, TimerName } from "../core";
import type { SesAttachment } from "../mail/attachments";
import { composeSendEmail } from "../mail/compose";
import { renderMessage } from "../mail/render";
import { replyAddress } from "../mail/thread";
import { type AttachmentStore, attachmentLinksFor, attachmentsForClientMail } from "./attachments";
import type { Clock, Logger, Metrics } from "./clock";
import {
  type EffectResult,
  GIVE_UP_AFTER_SECONDS,
  givesUp,
  giveUpNotice,
  isTransientFailure,
  type SkippedRecipient,
} from "./effect-result";
import { feedbackLink, statusBaseUrl, statusLink } from "./feedback-link";
import { OUTBOUND_PER_ADDRESS_PER_10_MIN, OUTBOUND_WINDOW_SECONDS } from "./limits";
import { logPerformed, recordSent } from "./outbox-figures";
import {
  type FeedbackRepository,
  type IncidentIndexStore,
  type MailLedger,
  OUTBOX_LEASE_SECONDS,
  type OutboxItem,
  type OutboxRepository,
  type Throttle,
  type TicketReader,
} from "./ports";
import { clientCopies, isConfiguredStaff, staffRecipients, techniciansOf } from "./recipients";
import { indexAfterEffect, withSimilarIncidents } from "./similar-incidents";

export interface Mailer {
  /** Sends one mail; returns the Message-ID header the recipient will see. */
  send(input: SendEmailCommandInput): Promise<{ messageId: string }>;
}

/** What a scheduler may read of a ticket to spread its timers: its calendar and armed timers. */
export type TimerTicket = Pick<Ticket, "timers"> & { client: Pick<Ticket["client"], "calendar"> };

export interface TimerScheduler {
  /** Creates or replaces the one-time timer `name` of a ticket, due at an instant. */
  set(ticketId: string, name: TimerName, at: string, ticket?: TimerTicket): Promise<void>;
  cancel(ticketId: string, name: TimerName): Promise<void>;
}

/**
 * What the mail system says it accepted, by outbox effect: on AWS the SES Send events the ses-events
 * function records; locally the local SES server's store. Asked only when an attempt was interrupted.
 */
export interface SentLedger {
  sentMessageId(ticketId: string, effectId: string): Promise<string | undefined>;
}

/** Performing effects reads tickets and never decides: no ticket repository, only a reader. */
export interface OutboxDeps {
  tickets: TicketReader;
  config: AvisoConfig;
  clock: Clock;
  log: Logger;
  metrics?: Metrics;
  outbox: OutboxRepository;
  mail: MailLedger;
  throttle: Throttle;
  feedback: FeedbackRepository;
  mailer: Mailer;
  sentLedger?: SentLedger;
  attachments?: AttachmentStore;
  scheduler: TimerScheduler;
  /** SES configuration set whose events report bounces and complaints. */
  configurationSet?: string;
  /** Resolved incidents, for the technicians' new-ticket notice (issue 17); none: the notice lists none. */
  incidentIndex?: IncidentIndexStore;
}

export { OUTBOUND_PER_ADDRESS_PER_10_MIN, OUTBOUND_WINDOW_SECONDS } from "./limits";
export { isConfiguredStaff } from "./recipients";

/**
 * Performs one outbox effect and marks it done. The item is claimed first with a conditional write,
 * so a second delivery of the same stream record finds it taken and does nothing; a failure hands
 * it back for the next delivery.
 */
export async function performOutboxItem(
  deps: OutboxDeps,
  item: OutboxItem,
  /** The ticket, when the caller reads it once for several of its effects (effects never change it). */
  ticket: () => Promise<Ticket | undefined> = () => deps.tickets.load(item.ticketId),
): Promise<"done" | "already-done"> {
  const claim = await deps.outbox.claim(item.ticketId, item.effect.id, deps.clock.now());
  if (!claim) return "already-done";
  // A claim that outlived its lease means an attempt died mid-way: perhaps after the mail was
  // accepted and before it was marked done. Sending again would be a duplicate, so ask first.
  if (claim === "expired" && item.effect.kind !== "set-timer" && item.effect.kind !== "cancel-timer") {
    const messageId = await deps.sentLedger?.sentMessageId(item.ticketId, item.effect.id);
    if (messageId) {
      const now = deps.clock.now();
      await deps.mail.indexMessage(messageId, item.ticketId, now);
      if (item.effect.kind === "send-client") await deps.mail.appendThread(item.ticketId, messageId, now);
      const result: EffectResult = { outcome: "sent", messageId, confirmedByLedger: true };
      await deps.outbox.complete(item.ticketId, item.effect.id, result, now);
      await indexAfterEffect(deps, item.effect, ticket);
      deps.log.warn("interrupted send found already accepted; not sent again", {
        ticketId: item.ticketId,
        effectId: item.effect.id,
        messageId,
      });
      return "done";
    }
  }
  let result: EffectResult;
  try {
    result = await perform(deps, item.ticketId, item.effect, ticket);
  } catch (error) {
    if (await handBackOrGiveUp(deps, item, error as Error)) return "done";
    throw error;
  }
  await deps.outbox.complete(item.ticketId, item.effect.id, result, deps.clock.now());
  logPerformed(deps, item.ticketId, item.effect, result);
  return "done";
}

/**
 * Performs one ticket's effects, in order: what one stream batch brings for one ticket. They are
 * claimed in one transaction and marked done in another, two writes instead of two per effect. When
 * one of them cannot be claimed that way (another delivery holds it, a claim ran out), each is taken
 * on its own by performOutboxItem. A failed effect is handed back and the others still go ahead, as
 * one by one; the failed ones are returned for the caller to report.
 */
export async function performTicketEffects(
  deps: OutboxDeps,
  items: OutboxItem[],
  ticket?: () => Promise<Ticket | undefined>,
): Promise<{ performed: number; failed: { item: OutboxItem; error: Error }[] }> {
  const ticketId = items[0]?.ticketId ?? "";
  let loaded: Promise<Ticket | undefined> | undefined;
  // Read once for all of them: they were committed before this read, and effects never change it.
  const loadTicket = ticket ?? (() => (loaded ??= deps.tickets.load(ticketId)));
  const failed: { item: OutboxItem; error: Error }[] = [];
  let performed = 0;
  const ids = items.map((item) => item.effect.id);
  let together = false;
  if (items.length > 1 && new Set(ids).size === ids.length) {
    try {
      together = await deps.outbox.claimAll(ticketId, ids, deps.clock.now());
    } catch (error) {
      // Nothing is known to be claimed: the whole group goes back to its source for a retry.
      return { performed: 0, failed: items.map((item) => ({ item, error: error as Error })) };
    }
  }
  if (!together) {
    for (const item of items) {
      try {
        if ((await performOutboxItem(deps, item, loadTicket)) === "done") performed += 1;
      } catch (error) {
        failed.push({ item, error: error as Error });
      }
    }
    return { performed, failed };
  }
  const done: { effectId: string; result: EffectResult }[] = [];
  for (const item of items) {
    try {
      const result = await perform(deps, ticketId, item.effect, loadTicket);
      done.push({ effectId: item.effect.id, result });
      logPerformed(deps, ticketId, item.effect, result);
    } catch (error) {
      if (await handBackOrGiveUp(deps, item, error as Error)) performed += 1;
      else failed.push({ item, error: error as Error });
    }
  }
  await deps.outbox.completeAll(ticketId, done, deps.clock.now());
  return { performed: performed + done.length, failed };
}

async function perform(
  deps: OutboxDeps,
  ticketId: string,
  effect: Effect,
  loadTicket: () => Promise<Ticket | undefined>,
): Promise<EffectResult> {
  const config = deps.config;
  switch (effect.kind) {
    // The ticket says which timers are armed now. An effect performed late (a retry, the sweep after
    // a crash) must not overwrite a newer schedule with an older one, or undo a re-arming.
    case "set-timer": {
      const ticket = await loadTicket();
      const armed = ticket?.timers[effect.name];
      if (armed !== effect.at)
        return { outcome: "superseded", timer: effect.name, ...(armed ? { armed } : {}) };
      await deps.scheduler.set(ticketId, effect.name, effect.at, ticket);
      return { outcome: "timer-set", timer: effect.name, at: effect.at };
    }
    case "cancel-timer": {
      const armed = (await loadTicket())?.timers[effect.name];
      if (armed) return { outcome: "superseded", timer: effect.name, armed };
      await deps.scheduler.cancel(ticketId, effect.name);
      return { outcome: "timer-cancelled", timer: effect.name };
    }
    case "record-feedback": {
      // The ticket's one feedback as it stands now, under the instant of its first: a later
      // submission replaces it, and an older effect performed late cannot undo a newer one.
      const current = (await loadTicket())?.feedback;
      const given = current ?? effect;
      await deps.feedback.recordFeedback(
        ticketId,
        {
          rating: given.rating,
          ...(given.comment ? { comment: given.comment } : {}),
          ...(given.idea ? { idea: given.idea } : {}),
        },
        deps.clock.now(),
        ...(current ? [current.at] : []),
      );
      return { outcome: "feedback-recorded" };
    }
    case "send-client": {
      const ticket = await loadTicket();
      const timeZone = ticket?.client.calendar.timeZone ?? config.technicianTimeZone;
      const rendered = renderMessage(effect.locale, effect.template, effect.data, {
        timeZone,
        feedbackUrl: feedbackLink(config.feedbackUrl, ticketId, config.tokenSecret, deps.clock.now()),
        statusUrl: statusLink(statusBaseUrl(config), ticketId, config.tokenSecret, deps.clock.now()),
      });
      // The ticket's colleagues as they stand when the mail goes (a retry reads them again).
      const copies = clientCopies(config, ticket);
      if (copies.dropped.length > 0)
        deps.log.warn(`copied addresses left off: a mail copies at most ${copies.cc.length}`, {
          ticketId,
          dropped: copies.dropped,
        });
      const bodyBytes = rendered.html.length + rendered.text.length;
      const files = await attachmentsForClientMail(
        deps,
        effect.data,
        effect.to.address,
        bodyBytes,
        (notice) =>
          sendTo(deps, {
            ticketId,
            to: techniciansOf(config),
            rendered: notice,
            automatic: true,
            clientThread: false,
            staffExempt: true,
          }),
      );
      const result = await sendTo(deps, {
        ...files,
        ticketId,
        effectId: effect.id,
        to: [effect.to],
        cc: copies.cc,
        rendered,
        automatic: effect.automatic,
        clientThread: true,
      });
      recordSent(deps, result, effect.template, "ClientMessagesSent", ticket?.openedAt);
      await indexAfterEffect(deps, effect, async () => ticket);
      return result;
    }
    case "notify":
    case "call-task": {
      const recipients = staffRecipients(deps.config, effect);
      if (recipients.length === 0)
        return {
          outcome: "no-recipient",
          audience: effect.kind === "notify" ? effect.audience : "call task",
        };
      const template = effect.kind === "call-task" ? "call-task" : effect.template;
      const data =
        effect.kind === "notify"
          ? attachmentLinksFor(await withSimilarIncidents(deps, ticketId, effect, loadTicket), deps)
          : effect.data;
      const rendered = renderMessage(config.defaultLocale, `staff-${template}`, data, {
        timeZone: config.technicianTimeZone,
      });
      const result = await sendTo(deps, {
        ticketId,
        effectId: effect.id,
        to: recipients,
        rendered,
        automatic: true,
        clientThread: false,
        // A command error answers the technician's own mail: the one staff mail that can loop with
        // a staff mailbox's auto-responder, so it alone stays under the per-address cap.
        staffExempt: !(effect.kind === "notify" && effect.template === "command-error"),
      });
      recordSent(deps, result, template, "StaffMessagesSent");
      await indexAfterEffect(deps, effect, loadTicket);
      return result;
    }
  }
}

interface Sending {
  ticketId: string;
  /** The outbox effect the mail performs (tagged, so the sent ledger knows it); none for a notice about one. */
  effectId?: string;
  to: Person[];
  /** Copied (Cc), each held to the same flags and loop cap as `to`. */
  cc?: Person[];
  rendered: ReturnType<typeof renderMessage>;
  /** Automatic mail carries Auto-Submitted and counts toward the loop caps. */
  automatic: boolean;
  /** Client mail is threaded on the ticket's conversation; staff mail starts its own. */
  clientThread: boolean;
  /**
   * Staff notices: configured staff among the recipients are not held to the per-address loop cap
   * (issue 14: a burst of new tickets must not blind the technicians; see isConfiguredStaff).
   */
  staffExempt?: boolean;
  attachments?: SesAttachment[];
}

async function sendTo(deps: OutboxDeps, sending: Sending): Promise<EffectResult> {
  const { ticketId, effectId, to, rendered, automatic, clientThread } = sending;
  const cc = sending.cc ?? [];
  const now = deps.clock.now();
  const skipped: SkippedRecipient[] = [];
  // Flags, loop-cap counters and (for client mail) the thread, in one read.
  const state = await deps.throttle.mailingState(
    [...to, ...cc].map((person) => person.address),
    OUTBOUND_WINDOW_SECONDS,
    now,
    clientThread ? ticketId : undefined,
  );
  const mayMail = (person: Person) => {
    const address = person.address.toLowerCase();
    const flagged = state.flagged.get(address);
    if (flagged) {
      skipped.push({ address: person.address, why: "flagged", detail: flagged });
      return false;
    }
    // Only mail that went out counts: a throttled attempt retried is not a second mail.
    const sent = state.sent.get(address) ?? 0;
    const exempt = sending.staffExempt === true && isConfiguredStaff(deps.config, address);
    if (automatic && sent >= OUTBOUND_PER_ADDRESS_PER_10_MIN && !exempt) {
      skipped.push({ address: person.address, why: "loop-cap" });
      deps.log.warn("mail suppressed by the loop cap", { ticketId, to: person.address, sent });
      return false;
    }
    return true;
  };
  const allowedTo = to.filter(mayMail);
  const allowedCc = cc.filter(mayMail);
  // A client who cannot be mailed leaves the colleagues the mail was copied to as its addressees.
  const [mailTo, mailCc] = allowedTo.length > 0 ? [allowedTo, allowedCc] : [allowedCc, []];
  const allowed = [...mailTo, ...mailCc];
  if (allowed.length > 0 && automatic && state.sentToAll >= deps.config.maxAutomaticMailsPer10Minutes) {
    deps.log.error("automatic mail held by the global cap", { ticketId, sentInTenMinutes: state.sentToAll });
    throw Object.assign(
      new Error(`global cap: ${state.sentToAll} automatic mails in ten minutes; held for a later retry`),
      { name: "GlobalCapHold" },
    );
  }
  if (allowed.length === 0) return { outcome: "suppressed", skipped };
  const input = composeSendEmail({
    from: { address: deps.config.supportAddress, name: deps.config.supportName },
    to: mailTo,
    cc: mailCc,
    replyTo: replyAddress(deps.config.supportAddress, ticketId, deps.config.tokenSecret),
    rendered,
    ticketId,
    ...(effectId ? { effectId } : {}),
    // Client mail is threaded on the conversation; staff mail starts its own.
    thread: state.thread,
    automatic,
    ...(deps.configurationSet ? { configurationSetName: deps.configurationSet } : {}),
  });
  if (sending.attachments?.length && input.Content?.Simple)
    input.Content.Simple.Attachments = sending.attachments;
  const { messageId } = await deps.mailer.send(input);
  // What the mail changed, written side by side: none of these depends on another.
  await Promise.all([
    deps.throttle.recordMailSent(
      allowed.map((person) => person.address),
      automatic,
      OUTBOUND_WINDOW_SECONDS,
      now,
    ),
    deps.mail.indexMessage(messageId, ticketId, now),
    ...(clientThread ? [deps.mail.appendThread(ticketId, messageId, now)] : []),
  ]);
  return { outcome: "sent", messageId, ...(skipped.length ? { skipped } : {}) };
}

/**
 * After a failed attempt: hands the effect back for the next delivery or sweep, or, once it has
 * failed often and long enough (givesUp), gives it up: the technicians are told and it is marked
 * done, so nothing retries it any more. True when given up. The stored attempt count is read only
 * for an effect old enough to be given up at all: the stream's quick retries cost no read.
 */
async function handBackOrGiveUp(deps: OutboxDeps, item: OutboxItem, error: Error): Promise<boolean> {
  const now = deps.clock.now();
  const { ticketId, effect } = item;
  const oldEnough = now.getTime() - Date.parse(item.createdAt) >= GIVE_UP_AFTER_SECONDS.rejected * 1000;
  // Still claimed by this attempt: nobody else writes the item until it is handed back.
  const attempts = oldEnough ? ((await deps.outbox.item(ticketId, effect.id))?.attempts ?? 0) + 1 : 0;
  if (!givesUp({ attempts, createdAt: item.createdAt, error, now })) {
    await deps.outbox.release(ticketId, effect.id, error.message);
    return false;
  }
  const failure = `${error.name}: ${error.message}`.slice(0, 1000);
  // The notice is sent once: a failed notice is recorded, not retried (it would be retried for ever).
  let told: { notice: string } | { noticeError: string };
  try {
    const sent = await sendTo(deps, {
      ticketId,
      to: techniciansOf(deps.config),
      rendered: giveUpNotice(deps.config.defaultLocale, ticketId, effect, failure, attempts),
      automatic: true,
      clientThread: false,
      staffExempt: true,
    });
    told =
      sent.outcome === "sent"
        ? { notice: sent.messageId }
        : { noticeError: `no technician could be mailed: ${JSON.stringify(sent)}`.slice(0, 1000) };
  } catch (noticeError) {
    told = {
      noticeError: `${(noticeError as Error).name}: ${(noticeError as Error).message}`.slice(0, 1000),
    };
  }
  const transient = isTransientFailure(error);
  const result: EffectResult = {
    outcome: "failed",
    error: failure,
    attempts,
    ...(transient ? { transient } : {}),
    ...told,
  };
  await deps.outbox.complete(ticketId, effect.id, result, deps.clock.now());
  // No dimension: the stack alarms on the one series (service=aviso); the kind is in the log line.
  deps.metrics?.record([{ name: "EffectsGivenUp", unit: "Count", value: 1 }]);
  deps.log.error(
    "notice" in told
      ? "effect given up; the technicians are told"
      : "effect given up and the technicians' notice failed: nobody was told by mail",
    { ticketId, effectId: effect.id, kind: effect.kind, result },
  );
  return true;
}

/**
 * Performs what the stream left: effects pending for longer than `minAgeSeconds` (an exhausted
 * stream retry, a throttled send handed back) and claims whose lease ran out (a crash mid-way).
 * The outbox Lambda runs it every few minutes; the local runtime after each step.
 */
export async function sweepOutbox(
  deps: OutboxDeps,
  options: { minAgeSeconds?: number } = {},
): Promise<{ performed: number; failed: number; inFlight: number }> {
  const now = deps.clock.now().getTime();
  const minAge = options.minAgeSeconds ?? 120;
  const items = await deps.outbox.pending(new Date(now - minAge * 1000));
  const totals = { performed: 0, failed: 0, inFlight: 0 };
  const leaseEnd = now - OUTBOX_LEASE_SECONDS * 1000;
  for (const item of items) {
    if (item.status === "sending" && item.claimedAt && Date.parse(item.claimedAt) >= leaseEnd) {
      totals.inFlight += 1;
      continue;
    }
    try {
      if ((await performOutboxItem(deps, item)) === "done") totals.performed += 1;
    } catch (error) {
      totals.failed += 1;
      deps.log.error("swept effect failed; the next sweep retries it", {
        ticketId: item.ticketId,
        effectId: item.effect.id,
        error: (error as Error).message,
      });
    }
  }
  return totals;
}

export { feedbackLink, signedLink, verifySignedLink } from "./feedback-link";
