import { page } from "./layout";

/** What the client sees once a rating is recorded. */
export function feedbackThanksPage(): string {
  return page(
    "Gracias · Thank you",
    "<h1>¡Gracias! · Thank you!</h1><p>Tu opinión nos ayuda a mejorar. · Your feedback helps us improve.</p>",
  );
}
