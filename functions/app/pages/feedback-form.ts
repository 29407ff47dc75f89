import type { Locale } from "../../core";
import { escapeHtml, page } from "./layout";

const words = {
  es: {
    title: "¿Qué tal lo hemos hecho?",
    comment: "Comentario",
    idea: "¿Una idea para mejorar?",
    send: "Enviar",
    already: "Ya nos diste tu opinión. Si la envías de nuevo, sustituye a la anterior.",
    stars: (n: number) => `${n} de 5`,
  },
  en: {
    title: "How did we do?",
    comment: "Comment",
    idea: "An idea to improve?",
    send: "Send",
    already: "You have already rated this ticket. Sending again replaces your earlier answer.",
    stars: (n: number) => `${n} of 5`,
  },
} satisfies Record<Locale, unknown>;

/**
 * The client's rating form behind a signed feedback link, in the ticket's language; it posts back to
 * its own route with the same signed query (expiry included). A ticket rated before shows its rating,
 * which a new answer replaces.
 */
export function feedbackFormPage(
  locale: Locale,
  ticketId: string,
  link: { exp: string; sig: string },
  previous?: { rating: number; comment?: string; idea?: string },
): string {
  const w = words[locale];
  const options = [5, 4, 3, 2, 1]
    .map(
      (n) =>
        `<label><input type="radio" name="rating" value="${n}" required${previous?.rating === n ? " checked" : ""} aria-label="${w.stars(n)}"> ${"★".repeat(n)}${"☆".repeat(5 - n)}</label>`,
    )
    .join("<br>");
  const query = `exp=${encodeURIComponent(link.exp)}&amp;sig=${encodeURIComponent(link.sig)}`;
  return page(
    `${w.title} (${ticketId})`,
    `<h1>${w.title}</h1><p>${ticketId}</p>${previous ? `<p>${w.already}</p>` : ""}
<form method="post" action="/feedback/${ticketId}?${query}">${options}
<p><label>${w.comment}<br><textarea name="comment" rows="3" maxlength="5000">${escapeHtml(previous?.comment ?? "")}</textarea></label></p>
<p><label>${w.idea}<br><textarea name="idea" rows="3" maxlength="5000">${escapeHtml(previous?.idea ?? "")}</textarea></label></p>
<button type="submit">${w.send}</button></form>`,
    locale,
  );
}
