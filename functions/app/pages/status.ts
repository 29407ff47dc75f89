import type { Locale, TicketStatus } from "../../core";
import { escapeHtml } from "./layout";

const words = {
  es: {
    title: (id: string) => `Tu petición ${id}`,
    request: "Tu petición",
    code: "Código",
    status: "Estado",
    statuses: {
      open: "En curso: estamos en ello",
      resolved: "Resuelta: espera tu confirmación",
      closed: "Cerrada",
    } satisfies Record<TicketStatus, string>,
    plan: "Qué vamos a hacer",
    forecast: "Previsión",
    alternatives: "Mientras tanto",
    noPlan: "Aún no hay un plan: en cuanto lo tengamos te lo contamos.",
    messages: "Lo que te hemos escrito",
    noMessages: "Aún no te hemos escrito.",
    reply: "Responder",
    replyHint: "Tu respuesta llega a la misma conversación que si respondieras a nuestro correo.",
    send: "Enviar",
    received: "Hemos recibido tu mensaje",
    receivedText: "Lo lee la persona que lleva tu petición. Te contestaremos por correo.",
    back: "Volver a tu petición",
    empty: "Escribe tu mensaje antes de enviarlo.",
    notTaken:
      "No hemos podido añadir tu mensaje a esta petición. Responde al último correo que te enviamos y lo leeremos.",
    tooMany:
      "Ya nos has escrito varias veces en la última hora desde esta página. Para seguir, responde al último correo que te enviamos.",
    expired:
      "Este enlace ha caducado. Para ver cómo va tu petición, abre el enlace del último correo que te enviamos o responde a ese correo.",
    invalid: "Este enlace no es válido.",
  },
  en: {
    title: (id: string) => `Your request ${id}`,
    request: "Your request",
    code: "Code",
    status: "Status",
    statuses: {
      open: "In progress: we are on it",
      resolved: "Resolved: waiting for your confirmation",
      closed: "Closed",
    } satisfies Record<TicketStatus, string>,
    plan: "What we will do",
    forecast: "Forecast",
    alternatives: "In the meantime",
    noPlan: "There is no plan yet: we will tell you as soon as there is one.",
    messages: "What we have written to you",
    noMessages: "We have not written to you yet.",
    reply: "Reply",
    replyHint: "Your reply joins the same conversation as a reply to our mail.",
    send: "Send",
    received: "We have received your message",
    receivedText: "The person handling your request reads it. We will answer by mail.",
    back: "Back to your request",
    empty: "Write your message before sending it.",
    notTaken:
      "We could not add your message to this request. Reply to the last mail we sent you and we will read it.",
    tooMany:
      "You have written to us several times in the last hour from this page. To go on, reply to the last mail we sent you.",
    expired:
      "This link has expired. To see how your request is going, open the link in the last mail we sent you, or reply to that mail.",
    invalid: "This link is not valid.",
  },
} satisfies Record<Locale, unknown>;

/** One message the client was sent, as it read (its text part). */
export interface StatusMessage {
  at: string;
  subject: string;
  text: string;
}

export interface StatusView {
  locale: Locale;
  ticketId: string;
  /** Absent when the opening mail's sender did not authenticate: nothing the sender wrote is echoed. */
  subject?: string;
  status: TicketStatus;
  plan?: { text: string; eta?: string; alternatives?: string };
  /** Each in the client's language and time zone, oldest first. */
  messages: (StatusMessage & { when: string })[];
  /** The signed query of the page's own link, for the form. */
  link: { exp: string; sig: string };
  /** Marks this rendering of the form, so the same submission sent twice is one reply. */
  formMark: string;
}

/** The headers of every status page: the link carries its signature, so it is sent nowhere else. */
export const STATUS_PAGE_HEADERS: Record<string, string> = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-store",
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
  "content-security-policy":
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
};

const STYLE = `body{font-family:system-ui,sans-serif;max-width:680px;margin:32px auto;padding:0 16px;color:#1f2933;background:#f4f5f7}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}.code{color:#52606d;font-size:14px}
.card{background:#fff;border-radius:8px;padding:14px 18px;margin:8px 0;box-shadow:0 1px 2px rgba(0,0,0,.06)}
.status{display:inline-block;background:#e3f2ee;color:#1d6f5f;border-radius:12px;padding:3px 12px;font-weight:600}
.status.resolved{background:#fff4d6;color:#8d5b00}.status.closed{background:#e4e7eb;color:#3e4c59}
dl{margin:0}dt{font-weight:600;margin-top:8px}dd{margin:2px 0 0;white-space:pre-wrap}
.message h3{font-size:15px;margin:0 0 2px}.message time{color:#52606d;font-size:13px}
.message .text{white-space:pre-wrap;margin-top:8px;font-size:14px;line-height:1.45}
textarea{width:100%;box-sizing:border-box;font:inherit;padding:8px}.hint{color:#52606d;font-size:13px}
button{background:#1d6f5f;color:#fff;border:0;border-radius:6px;padding:10px 18px;font-size:16px;margin-top:8px}`;

function shell(locale: Locale, title: string, body: string): string {
  return `<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><meta name="robots" content="noindex"><title>${escapeHtml(title)}</title>
<style>${STYLE}</style></head><body>${body}</body></html>`;
}

const query = (link: { exp: string; sig: string }) =>
  `exp=${encodeURIComponent(link.exp)}&amp;sig=${encodeURIComponent(link.sig)}`;

/**
 * The client's page of one request (DESIGN §8), in the ticket's language: code, subject and status,
 * the plan and forecast a technician entered, every message sent to the client, and a form that
 * replies into the same thread. Everything shown is escaped.
 */
export function statusPage(view: StatusView): string {
  const w = words[view.locale];
  const plan = view.plan
    ? `<dl><dt>${w.plan}</dt><dd>${escapeHtml(view.plan.text)}</dd>${
        view.plan.eta ? `<dt>${w.forecast}</dt><dd class="eta">${escapeHtml(view.plan.eta)}</dd>` : ""
      }${view.plan.alternatives ? `<dt>${w.alternatives}</dt><dd>${escapeHtml(view.plan.alternatives)}</dd>` : ""}</dl>`
    : `<p>${w.noPlan}</p>`;
  const messages = view.messages.length
    ? view.messages
        .map(
          (m) =>
            `<article class="card message"><h3>${escapeHtml(m.subject)}</h3><time datetime="${escapeHtml(m.at)}">${escapeHtml(m.when)}</time><div class="text">${escapeHtml(m.text)}</div></article>`,
        )
        .join("\n")
    : `<p class="card">${w.noMessages}</p>`;
  return shell(
    view.locale,
    w.title(view.ticketId),
    `<h1>${view.subject ? escapeHtml(view.subject) : w.request}</h1>
<div class="code">${w.code}: <span id="code">${view.ticketId}</span></div>
<section class="card"><strong>${w.status}:</strong> <span class="status ${view.status}" id="status">${w.statuses[view.status]}</span>
<div id="plan">${plan}</div></section>
<h2>${w.messages}</h2>
<div id="messages">${messages}</div>
<h2>${w.reply}</h2>
<form class="card" method="post" action="/status/${view.ticketId}?${query(view.link)}">
<input type="hidden" name="mark" value="${escapeHtml(view.formMark)}">
<textarea name="text" rows="5" maxlength="20000" required aria-label="${w.reply}"></textarea>
<p class="hint">${w.replyHint}</p>
<button type="submit">${w.send}</button></form>`,
  );
}

/** After a reply from the form: taken into the thread, or not (then the mail is the way). */
export function statusReplyPage(
  locale: Locale,
  ticketId: string,
  link: { exp: string; sig: string },
  outcome: "received" | "empty" | "not-taken" | "too-many",
): string {
  const w = words[locale];
  const said =
    outcome === "received"
      ? `<h1>${w.received}</h1><p>${w.receivedText}</p>`
      : `<p>${outcome === "empty" ? w.empty : outcome === "too-many" ? w.tooMany : w.notTaken}</p>`;
  return shell(
    locale,
    w.title(ticketId),
    `${said}<p class="code">${ticketId}</p><p><a href="/status/${ticketId}?${query(link)}">${w.back}</a></p>`,
  );
}

/** A genuine link past its expiry, in the ticket's language. */
export function statusExpiredPage(locale: Locale): string {
  return shell(locale, words[locale].title("").trim(), `<p>${words[locale].expired}</p>`);
}

/** A link whose signature does not hold or whose ticket is gone: the installation's language speaks. */
export function statusInvalidPage(locale: Locale): string {
  return shell(locale, words[locale].invalid, `<p>${words[locale].invalid}</p>`);
}
