import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { replyIntent } from "../../functions/mail/intent";

type Intent = ReturnType<typeof replyIntent>;
interface Labelled {
  lang: "es" | "en";
  intent: Intent;
  text: string;
}
const { replies } = JSON.parse(
  readFileSync(new URL("../data/reply-intents.json", import.meta.url), "utf8"),
) as { replies: Labelled[] };

describe("replyIntent: a complaint wins over thanks (issue 14, finding 6)", () => {
  it("reads the issue's two replies as still-broken", () => {
    expect(replyIntent("Thanks, but it still fails")).toBe("still-broken");
    expect(replyIntent("Muchas gracias. Sigue sin imprimir.")).toBe("still-broken");
  });

  it("has a labelled set of at least 100 replies, both languages and every intent", () => {
    expect(replies.length).toBeGreaterThanOrEqual(100);
    for (const lang of ["es", "en"] as const)
      for (const intent of ["confirm", "still-broken", "other"] as const)
        expect(replies.filter((r) => r.lang === lang && r.intent === intent).length).toBeGreaterThanOrEqual(
          10,
        );
  });

  it.each(replies.map((r) => [r.intent, r.text] as const))("%s: %j", (intent, text) => {
    expect(replyIntent(text)).toBe(intent);
  });

  it("reads the same with accents dropped, in capitals, and with typographic apostrophes", () => {
    const fold = (s: string) => s.normalize("NFD").replace(/\p{M}/gu, "");
    for (const r of replies) {
      if (/\bs[ií]\b/i.test(r.text)) continue; // "sí" (yes) and "si" (if) differ only by the accent
      expect(replyIntent(fold(r.text)), fold(r.text)).toBe(r.intent);
      expect(replyIntent(r.text.toUpperCase()), r.text.toUpperCase()).toBe(r.intent);
      expect(replyIntent(r.text.replace(/'/g, "\u2019")), r.text).toBe(r.intent);
    }
  });

  it("matches whole words only", () => {
    // "fails" inside another word, "no" inside "noted": no complaint.
    expect(replyIntent("Thanks, noted. Works great.")).toBe("confirm");
    expect(replyIntent("Gracias, funciona. Saludos desde Nofuncionalandia")).toBe("confirm");
  });

  it("reads a reply longer than it reads as a complaint or as other, never as a bare confirmation", () => {
    const filler = "Detalles del equipo y del usuario. ".repeat(1_000);
    expect(replyIntent(`Funciona, gracias. ${filler}`)).toBe("other");
    expect(replyIntent(`Gracias, pero sigue sin imprimir. ${filler}`)).toBe("still-broken");
    expect(replyIntent(`${filler} Funciona, gracias.`)).toBe("other");
  });

  it("is linear: 200 KB of adversarial text reads in well under a second", () => {
    const inputs = [
      "no ".repeat(70_000),
      "still not ".repeat(20_000),
      "gracias pero sigue sin ".repeat(9_000),
      "a".repeat(200_000),
      "¿".repeat(100_000) + "?".repeat(100_000),
      `${"thank you, but ".repeat(13_000)}it works`,
      `${"x ".repeat(100_000)}sigue fallando`,
      "\n\n".repeat(100_000),
      "by the way ".repeat(18_000),
    ];
    for (const input of inputs) {
      const started = performance.now();
      replyIntent(input);
      expect(performance.now() - started, input.slice(0, 20)).toBeLessThan(1_000);
    }
    // Within what it reads, four times the text takes about four times as long, not sixteen.
    const time = (chars: number) => {
      const unit = "gracias, pero todavia no lo he probado y no estoy en la oficina hasta el lunes. ";
      const text = unit.repeat(Math.floor(chars / unit.length));
      let best = Number.POSITIVE_INFINITY;
      for (let trial = 0; trial < 7; trial++) {
        const started = performance.now();
        for (let i = 0; i < 10; i++) replyIntent(text);
        best = Math.min(best, performance.now() - started);
      }
      return best;
    };
    time(4_000);
    const small = time(4_750);
    const large = time(19_000);
    // Linear gives about 4; quadratic 16. The machine is shared, so the bound leaves room.
    expect(large / Math.max(small, 0.5), `${large.toFixed(1)} ms vs ${small.toFixed(1)} ms`).toBeLessThan(10);
  });
});
