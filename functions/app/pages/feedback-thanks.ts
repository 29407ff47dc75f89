import type { Locale } from "../../core";
import { page } from "./layout";

const words = {
  es: {
    title: "Gracias",
    thanks: "¡Gracias!",
    helps: "Tu opinión nos ayuda a mejorar.",
    expired:
      "Este enlace ha caducado. Si quieres contarnos algo de esta petición, responde al correo que te enviamos.",
    invalidRating: "Elige una puntuación de 1 a 5.",
    invalidLink: "Este enlace de valoración no es válido.",
  },
  en: {
    title: "Thank you",
    thanks: "Thank you!",
    helps: "Your feedback helps us improve.",
    expired:
      "This link has expired. If you want to tell us anything about this request, reply to the mail we sent you.",
    invalidRating: "Please choose a rating from 1 to 5.",
    invalidLink: "This feedback link is not valid.",
  },
} satisfies Record<Locale, unknown>;

/** What the client sees once a rating is recorded, in the ticket's language. */
export function feedbackThanksPage(locale: Locale): string {
  const w = words[locale];
  return page(w.title, `<h1>${w.thanks}</h1><p>${w.helps}</p>`, locale);
}

/** A genuine feedback link past its expiry (answered 403), in the ticket's language. */
export function feedbackExpiredPage(locale: Locale): string {
  const w = words[locale];
  return page(w.title, `<p>${w.expired}</p>`, locale);
}

/** The form was sent without a rating from 1 to 5. */
export function feedbackRatingMissing(locale: Locale): string {
  return words[locale].invalidRating;
}

/**
 * A link whose signature does not hold, or whose ticket is gone: its ticket cannot be trusted to
 * choose the language, so the installation's own language speaks.
 */
export function feedbackInvalidLink(locale: Locale): string {
  return words[locale].invalidLink;
}
