import { page } from "./layout";

/** The client's rating form behind a signed feedback link; it posts back to its own route. */
export function feedbackFormPage(ticketId: string, signature: string): string {
  const options = [5, 4, 3, 2, 1]
    .map(
      (n) =>
        `<label><input type="radio" name="rating" value="${n}" required> ${"★".repeat(n)}${"☆".repeat(5 - n)}</label>`,
    )
    .join("<br>");
  return page(
    `¿Qué tal lo hemos hecho? · How did we do? (${ticketId})`,
    `<h1>¿Qué tal lo hemos hecho? · How did we do?</h1><p>${ticketId}</p>
<form method="post" action="/feedback/${ticketId}?sig=${encodeURIComponent(signature)}">${options}
<p><label>Comentario · Comment<br><textarea name="comment" rows="3" maxlength="5000"></textarea></label></p>
<p><label>¿Una idea para mejorar? · An idea to improve?<br><textarea name="idea" rows="3" maxlength="5000"></textarea></label></p>
<button type="submit">Enviar · Send</button></form>`,
  );
}
