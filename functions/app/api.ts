import { randomUUID } from "node:crypto";
import { calendarFor, EventValidationError, type Ticket } from "../core";
import { type AdminDeps, handleAdminRequest } from "./admin";
import { applyEvent, type CoreDeps } from "./apply";
import { type AttachmentStore, attachmentApiRoute } from "./attachments";
import { isSent } from "./effect-result";
import { verifySignedLink } from "./feedback-link";
import { type ApiRequest, type ApiResponse, html, json, text } from "./http";
import { feedbackFormPage } from "./pages/feedback-form";
import {
  feedbackExpiredPage,
  feedbackInvalidLink,
  feedbackRatingMissing,
  feedbackThanksPage,
} from "./pages/feedback-thanks";
import { type LeadSignIn, leadPage, leadPageHeaders } from "./pages/lead";
import { LEAD_PAGE, leadPageRoute } from "./pages/lead-routes";
import { handleStatusRequest } from "./pages/status-route";
import type { Stores } from "./ports";

export type { ApiRequest, ApiResponse } from "./http";

/**
 * What the API reads: tickets, their outbox and thread, feedback, and the listing of tickets; the
 * admin routes' parts (admin.ts); kept attachments (the technicians' signed links); where the lead
 * signs in, on AWS.
 */
export type ApiDeps = CoreDeps &
  Pick<Stores, "outbox" | "mail" | "feedback" | "reports"> &
  AdminDeps & { leadSignIn?: LeadSignIn; attachments?: AttachmentStore };

/**
 * The ticket API of DESIGN §3–4, the same behind API Gateway and in the local runtime. GET /lead is
 * the lead's page; what it reads under /lead/… is the same route without the prefix (on AWS the
 * prefix decides the authorizer: see pages/lead-routes.ts).
 */
export async function handleApiRequest(deps: ApiDeps, asked: ApiRequest): Promise<ApiResponse> {
  const askedPath = asked.path.replace(/\/+$/, "") || "/";
  const method = asked.method.toUpperCase();
  // A technicians' signed link to a kept attachment: the presigned redirect, or the refusal.
  const attached = await attachmentApiRoute(deps, method, askedPath, asked.query);
  if (attached) return attached;
  if (askedPath === LEAD_PAGE && method === "GET")
    return { status: 200, headers: leadPageHeaders(deps.leadSignIn), body: leadPage(deps.leadSignIn) };
  let request = asked;
  if (askedPath.startsWith(`${LEAD_PAGE}/`)) {
    const route = leadPageRoute(method, askedPath);
    if (!route) return json(404, { error: `no route for ${method} ${askedPath}` });
    request = { ...asked, path: route };
  }
  const admin = await handleAdminRequest(deps, request);
  if (admin) return admin;
  const path = request.path.replace(/\/+$/, "") || "/";
  const ticketRoute = /^\/tickets\/(T-\d+)$/i.exec(path);
  const eventsRoute = /^\/tickets\/(T-\d+)\/events$/i.exec(path);
  const feedbackRoute = /^\/feedback\/(T-\d+)$/i.exec(path);
  const statusRoute = /^\/status\/(T-\d+)$/i.exec(path);
  if (statusRoute && (method === "GET" || method === "POST"))
    return handleStatusRequest(deps, request, (statusRoute[1] ?? "").toUpperCase());

  if (method === "GET" && path === "/tickets") {
    const tickets = await deps.reports.ticketsWithLastSent({ closedSince: deps.clock.now() });
    const now = deps.clock.now().getTime();
    return json(200, {
      now: new Date(now).toISOString(),
      tickets: tickets
        .map(({ ticket, lastSentAt }) => summary(ticket, now, lastSentAt))
        .sort((a, b) => b.silenceBusinessHours - a.silenceBusinessHours),
    });
  }
  if (method === "GET" && path === "/feedback") {
    return json(200, { feedback: (await deps.feedback.feedback()).sort((a, b) => b.at.localeCompare(a.at)) });
  }
  if (ticketRoute && method === "GET") {
    const ticketId = (ticketRoute[1] ?? "").toUpperCase();
    const ticket = await deps.tickets.load(ticketId);
    if (!ticket) return json(404, { error: `ticket ${ticketId} not found` });
    const [timeline, outbox] = await Promise.all([
      deps.tickets.timeline(ticketId),
      deps.outbox.list(ticketId),
    ]);
    const calendar = calendarFor(ticket.client.calendar);
    const opened = Date.parse(ticket.openedAt);
    const sinceOpening = (at: string | number) =>
      Math.round(calendar.businessHoursBetween(opened, typeof at === "number" ? at : Date.parse(at)) * 100) /
      100;
    return json(200, {
      ticket,
      ...summary(ticket, deps.clock.now().getTime(), await deps.mail.lastClientMailSent(ticketId)),
      // The client's side of the story over business time, for the lead's timeline drawing.
      businessHoursOpen: sinceOpening(deps.clock.now().getTime()),
      hoursPerDay: calendar.hoursPerDay,
      messages: outbox
        .filter((item) => item.effect.kind === "send-client")
        .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
        .map((item) => ({
          at: item.createdAt,
          template: item.effect.kind === "send-client" ? item.effect.template : "",
          sent: item.status === "done" && isSent(item.result),
          businessHours: sinceOpening(item.createdAt),
        })),
      timeline: timeline.sort((a, b) => a.at.localeCompare(b.at)),
      effects: outbox
        .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
        .map((item) => ({
          id: item.effect.id,
          kind: item.effect.kind,
          ...describeEffect(item.effect),
          status: item.status,
          ...(isMail(item.effect) ? { delivery: deliveryState(item, timeline) } : {}),
          ...(item.result ? { result: item.result } : {}),
          at: item.createdAt,
        })),
    });
  }
  if (eventsRoute && method === "POST") {
    const ticketId = (eventsRoute[1] ?? "").toUpperCase();
    let body: unknown;
    try {
      body = JSON.parse(request.body ?? "");
    } catch {
      return json(400, { error: "the body must be a JSON event: {type, actor, text, …}" });
    }
    if (!body || typeof body !== "object" || Array.isArray(body))
      return json(400, { error: "the body must be a JSON object" });
    const event = { id: `api:${randomUUID()}`, ...body, ticketId };
    try {
      const decision = await applyEvent(deps, event);
      if (decision.outcome === "rejected" && !decision.ticket) return json(404, { error: decision.reason });
      return json(decision.outcome === "rejected" ? 409 : 200, {
        outcome: decision.outcome,
        ...(decision.reason ? { reason: decision.reason } : {}),
        eventId: event.id,
        effects: decision.effects.map((e) => ({ id: e.id, kind: e.kind, ...describeEffect(e) })),
        status: decision.ticket?.status,
      });
    } catch (error) {
      if (error instanceof EventValidationError)
        return json(400, { error: error.message, issues: error.issues });
      throw error;
    }
  }
  if (feedbackRoute) {
    const ticketId = (feedbackRoute[1] ?? "").toUpperCase();
    // Signed over the ticket and the expiry, compared in constant time, before anything is read.
    const link = { exp: request.query?.exp ?? "", sig: request.query?.sig ?? "" };
    const verdict = verifySignedLink(ticketId, link, deps.config.tokenSecret, deps.clock.now());
    if (verdict === "invalid") return text(403, feedbackInvalidLink(deps.config.defaultLocale));
    // The pages speak the ticket's language.
    const ticket = await deps.tickets.load(ticketId);
    if (!ticket) return text(404, feedbackInvalidLink(deps.config.defaultLocale));
    const locale = ticket.client.locale;
    if (verdict === "expired") return html(403, feedbackExpiredPage(locale));
    if (method === "GET") return html(200, feedbackFormPage(locale, ticketId, link, ticket.feedback));
    if (method === "POST") {
      const form = new URLSearchParams(request.body ?? "");
      const rating = Number(form.get("rating"));
      const comment = form.get("comment")?.trim();
      const idea = form.get("idea")?.trim();
      try {
        await applyEvent(deps, {
          type: "feedback",
          id: `feedback:${ticketId}:${randomUUID()}`,
          ticketId,
          rating,
          ...(comment ? { comment } : {}),
          ...(idea ? { idea } : {}),
        });
      } catch (error) {
        if (error instanceof EventValidationError) {
          return text(400, feedbackRatingMissing(locale));
        }
        throw error;
      }
      return html(200, feedbackThanksPage(locale));
    }
  }
  return json(404, { error: `no route for ${method} ${path}` });
}

/**
 * Silence is measured from the last mail the client actually got: a message decided but suppressed
 * (a bouncing address, the loop cap) or still failing does not count as news.
 */
function summary(ticket: Ticket, now: number, lastSentAt?: string) {
  const calendar = calendarFor(ticket.client.calendar);
  const heardAt = Date.parse(lastSentAt ?? ticket.openedAt);
  const silenceBusinessHours =
    ticket.status === "open" ? Math.round(calendar.businessHoursBetween(heardAt, now) * 100) / 100 : 0;
  return {
    id: ticket.id,
    status: ticket.status,
    subject: ticket.subject,
    client: ticket.client.address,
    locale: ticket.client.locale,
    openedAt: ticket.openedAt,
    lastClientMessageAt: ticket.lastClientMessageAt,
    ...(lastSentAt ? { lastClientMailSentAt: lastSentAt } : {}),
    silenceBusinessHours,
    overdue: silenceBusinessHours > calendar.hoursPerDay,
    clientMessages: ticket.counters.clientMessages,
    timers: ticket.timers,
    ...(ticket.feedback ? { rating: ticket.feedback.rating } : {}),
  };
}

/** A mail effect: what the lead's detail view shows a delivery state for. */
const isMail = (effect: import("../core").Effect) =>
  effect.kind === "send-client" || effect.kind === "notify" || effect.kind === "call-task";

/**
 * Where a mail stands: pending (not performed yet, or being retried), suppressed (nobody could be
 * mailed: flagged, loop cap, no recipient), failed (given up), sent, or bounced: sent, and a
 * permanent bounce or complaint came back for it (its delivery-failed event is named after the SES
 * message id, `ses:<id>:<address>`, and the mail's Message-ID is `<id@…amazonses.com>`).
 */
function deliveryState(
  item: import("./ports").OutboxItem,
  timeline: import("./ports").TimelineEntry[],
): "pending" | "sent" | "suppressed" | "failed" | "bounced" {
  const result = item.result;
  if (item.status !== "done" || !result) return "pending";
  if (result.outcome === "failed") return "failed";
  if (!isSent(result)) return "suppressed";
  const sesId = /^<([^@>]+)@/.exec(result.messageId)?.[1];
  const bounced =
    sesId !== undefined &&
    timeline.some(
      (entry) =>
        entry.type === "delivery-failed" && String(entry.data?.eventId ?? "").startsWith(`ses:${sesId}:`),
    );
  return bounced ? "bounced" : "sent";
}

function describeEffect(effect: import("../core").Effect): Record<string, unknown> {
  switch (effect.kind) {
    case "send-client":
      return { template: effect.template, to: effect.to.address, locale: effect.locale };
    case "notify":
      return { template: effect.template, audience: effect.audience };
    case "set-timer":
      return { name: effect.name, at: effect.at };
    case "cancel-timer":
      return { name: effect.name };
    case "call-task":
      return { reason: effect.reason };
    case "record-feedback":
      return { rating: effect.rating };
  }
}
