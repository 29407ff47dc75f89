import type { SendEmailCommandInput } from "@aws-sdk/client-sesv2";
import type { Effect, MetricPoint, Person, TimerName } from "../core";
import { composeSendEmail } from "../mail/compose";
import { renderMessage } from "../mail/render";
import { replyAddress } from "../mail/thread";
import { OUTBOX_LEASE_SECONDS, type OutboxItem } from "../store/store";
import type { CoreDeps } from "./apply";
import { feedbackLink } from "./feedback-link";

export interface Mailer {
  /** Sends one mail; returns the Message-ID header the recipient will see. */
  send(input: SendEmailCommandInput): Promise<{ messageId: string }>;
}

export interface TimerScheduler {
  /** Creates or replaces the one-time timer `name` of a ticket, due at an instant. */
  set(ticketId: string, name: TimerName, at: string): Promise<void>;
  cancel(ticketId: string, name: TimerName): Promise<void>;
}

/**
 * What the mail system says it accepted, by outbox effect: on AWS the SES Send events the ses-events
 * function records; locally the local SES server's store. Asked only when an attempt was interrupted.
 */
export interface SentLedger {
  sentMessageId(ticketId: string, effectId: string): Promise<string | undefined>;
}

export interface OutboxDeps extends CoreDeps {
  mailer: Mailer;
  sentLedger?: SentLedger;
  scheduler: TimerScheduler;
  /** SES configuration set whose events report bounces and complaints. */
  configurationSet?: string;
}

/** Automatic mails to one address in ten minutes beyond which aviso stops (the loop cap). */
export const OUTBOUND_PER_ADDRESS_PER_10_MIN = 10;

/**
 * Performs one outbox effect and marks it done. The item is claimed first with a conditional write,
 * so a second delivery of the same stream record finds it taken and does nothing; a failure hands
 * it back for the next delivery.
 */
export async function performOutboxItem(
  deps: OutboxDeps,
  item: OutboxItem,
): Promise<"done" | "already-done"> {
  const claim = await deps.store.claimOutboxItem(item.ticketId, item.effect.id, deps.clock.now());
  if (!claim) return "already-done";
  // A claim that outlived its lease means an attempt died mid-way: perhaps after the mail was
  // accepted and before it was marked done. Sending again would be a duplicate, so ask first.
  if (claim === "expired" && item.effect.kind !== "set-timer" && item.effect.kind !== "cancel-timer") {
    const messageId = await deps.sentLedger?.sentMessageId(item.ticketId, item.effect.id);
    if (messageId) {
      const now = deps.clock.now();
      await deps.store.indexMessage(messageId, item.ticketId, now);
      const thread = await deps.store.thread(item.ticketId);
      if (item.effect.kind === "send-client" && !thread.includes(messageId))
        await deps.store.appendThread(item.ticketId, messageId);
      const result = `sent ${messageId} (confirmed by the mail system after an interrupted attempt)`;
      await deps.store.completeOutboxItem(item.ticketId, item.effect.id, result, now);
      deps.log.warn("interrupted send found already accepted; not sent again", {
        ticketId: item.ticketId,
        effectId: item.effect.id,
        messageId,
      });
      return "done";
    }
  }
  let result: string;
  try {
    result = await perform(deps, item.ticketId, item.effect);
  } catch (error) {
    await deps.store.releaseOutboxItem(item.ticketId, item.effect.id, (error as Error).message);
    throw error;
  }
  await deps.store.completeOutboxItem(item.ticketId, item.effect.id, result, deps.clock.now());
  deps.log.info("effect performed", {
    ticketId: item.ticketId,
    effectId: item.effect.id,
    kind: item.effect.kind,
    result,
  });
  return "done";
}

async function perform(deps: OutboxDeps, ticketId: string, effect: Effect): Promise<string> {
  const config = deps.config;
  switch (effect.kind) {
    // The ticket says which timers are armed now. An effect performed late (a retry, the sweep after
    // a crash) must not overwrite a newer schedule with an older one, or undo a re-arming.
    case "set-timer": {
      const armed = (await deps.store.loadTicket(ticketId))?.timers[effect.name];
      if (armed !== effect.at)
        return `timer ${effect.name} at ${effect.at} superseded (now ${armed ?? "not armed"})`;
      await deps.scheduler.set(ticketId, effect.name, effect.at);
      return `timer ${effect.name} at ${effect.at}`;
    }
    case "cancel-timer": {
      const armed = (await deps.store.loadTicket(ticketId))?.timers[effect.name];
      if (armed) return `cancel of timer ${effect.name} superseded (armed again for ${armed})`;
      await deps.scheduler.cancel(ticketId, effect.name);
      return `timer ${effect.name} cancelled`;
    }
    case "record-feedback":
      await deps.store.recordFeedback(
        ticketId,
        {
          rating: effect.rating,
          ...(effect.comment ? { comment: effect.comment } : {}),
          ...(effect.idea ? { idea: effect.idea } : {}),
        },
        deps.clock.now(),
      );
      return "feedback recorded";
    case "send-client": {
      const ticket = await deps.store.loadTicket(ticketId);
      const timeZone = ticket?.client.calendar.timeZone ?? config.technicianTimeZone;
      const rendered = renderMessage(effect.locale, effect.template, effect.data, {
        timeZone,
        feedbackUrl: feedbackLink(config.feedbackUrl, ticketId, config.tokenSecret),
      });
      const result = await sendTo(deps, ticketId, effect.id, [effect.to], rendered, effect.automatic, true);
      recordSent(deps, result, effect.template, "ClientMessagesSent", ticket?.openedAt);
      return result;
    }
    case "notify":
    case "call-task": {
      const recipients = staffRecipients(deps, effect);
      if (recipients.length === 0)
        return `no recipient configured for ${effect.kind === "notify" ? effect.audience : "call task"}`;
      const template = effect.kind === "call-task" ? "call-task" : effect.template;
      const rendered = renderMessage(config.defaultLocale, `staff-${template}`, effect.data, {
        timeZone: config.technicianTimeZone,
      });
      const result = await sendTo(deps, ticketId, effect.id, recipients, rendered, true, false);
      recordSent(deps, result, template, "StaffMessagesSent");
      return result;
    }
  }
}

function staffRecipients(
  deps: OutboxDeps,
  effect: Extract<Effect, { kind: "notify" | "call-task" }>,
): Person[] {
  const config = deps.config;
  const technicians = config.technicians.map((t) => ({
    address: t.address,
    ...(t.name ? { name: t.name } : {}),
  }));
  if (effect.kind === "call-task") return effect.technician ? [effect.technician] : technicians;
  switch (effect.audience) {
    case "technicians":
      return technicians;
    case "technician":
      return effect.to ? [effect.to] : technicians;
    case "account-manager":
      return config.accountManager ? [{ address: config.accountManager }] : [];
    case "lead":
      return config.supportLead ? [{ address: config.supportLead }] : [];
  }
}

async function sendTo(
  deps: OutboxDeps,
  ticketId: string,
  effectId: string,
  to: Person[],
  rendered: ReturnType<typeof renderMessage>,
  automatic: boolean,
  clientThread: boolean,
): Promise<string> {
  const now = deps.clock.now();
  const allowed: Person[] = [];
  const skipped: string[] = [];
  for (const person of to) {
    const flagged = await deps.store.isFlagged(person.address);
    if (flagged) {
      skipped.push(`${person.address} flagged (${flagged})`);
      continue;
    }
    // Only mail that went out counts: a throttled attempt retried is not a second mail.
    const sent = await deps.store.peekWindow(`out#${person.address}`, 600, now);
    if (automatic && sent >= OUTBOUND_PER_ADDRESS_PER_10_MIN) {
      skipped.push(`${person.address} over the loop cap`);
      deps.log.warn("mail suppressed by the loop cap", { ticketId, to: person.address, sent });
      continue;
    }
    allowed.push(person);
  }
  if (allowed.length > 0 && automatic) {
    const all = await deps.store.peekWindow("out#*", 600, now);
    if (all >= deps.config.maxAutomaticMailsPer10Minutes) {
      deps.log.error("automatic mail held by the global cap", { ticketId, sentInTenMinutes: all });
      throw new Error(`global cap: ${all} automatic mails in ten minutes; held for a later retry`);
    }
  }
  if (allowed.length === 0) return `not sent: ${skipped.join("; ")}`;
  const thread = await deps.store.thread(ticketId);
  const input = composeSendEmail({
    from: { address: deps.config.supportAddress, name: deps.config.supportName },
    to: allowed,
    replyTo: replyAddress(deps.config.supportAddress, ticketId, deps.config.tokenSecret),
    rendered,
    ticketId,
    effectId,
    thread: clientThread ? thread : [],
    automatic,
    ...(deps.configurationSet ? { configurationSetName: deps.configurationSet } : {}),
  });
  const { messageId } = await deps.mailer.send(input);
  for (const person of allowed) {
    await deps.store.countInWindow(`out#${person.address}`, 600, now);
    if (clientThread) await deps.store.recordMailedAt(person.address, now);
  }
  if (automatic) await deps.store.countInWindow("out#*", 600, now);
  await deps.store.indexMessage(messageId, ticketId, now);
  if (clientThread) {
    await deps.store.appendThread(ticketId, messageId);
    await deps.store.recordClientMailSent(ticketId, now);
  }
  return `sent ${messageId}${skipped.length ? ` (skipped: ${skipped.join("; ")})` : ""}`;
}

function recordSent(
  deps: OutboxDeps,
  result: string,
  template: string,
  name: "ClientMessagesSent" | "StaffMessagesSent",
  openedAt?: string,
) {
  if (!deps.metrics) return;
  if (result.startsWith("not sent"))
    deps.metrics.record([
      { name: "MailSuppressed", unit: "Count", value: 1, dimensions: { kind: template } },
    ]);
  if (!result.startsWith("sent ")) return;
  const points: MetricPoint[] = [{ name, unit: "Count", value: 1, dimensions: { kind: template } }];
  if (template === "acknowledgement" && openedAt)
    points.push({
      name: "TimeToAcknowledgementSeconds",
      unit: "Seconds",
      value: Math.max(0, (deps.clock.now().getTime() - Date.parse(openedAt)) / 1000),
    });
  deps.metrics.record(points);
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
  const items = await deps.store.pendingOutbox(new Date(now - minAge * 1000));
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

export { feedbackLink, verifyFeedbackSignature } from "./feedback-link";
