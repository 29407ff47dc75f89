import { describe, expect, it } from "vitest";
import { clientLocale, detectLanguage } from "../../functions/mail/language";

/**
 * A ticket's language is the one its client writes in (DESIGN §1, §6). Clients paste error messages
 * as their programs show them, mostly in English: the pasted words must not decide the language.
 */
describe("the client's language, not the language of what the client pasted", () => {
  it("answers in Spanish a Spanish request quoting an English error", () => {
    for (const text of [
      "Me sale este error: 'The operation could not be completed because the file is in use by another program'",
      'Hola,\nOutlook me dice "Cannot connect to the server. Check your network connection and try again."\nSaludos',
      "Desde esta mañana Teams dice «You're not on the network. Sign in to continue» y no entra.",
      "Ya lo he reiniciado.\n> The update could not be installed on this device.\n> Error 0x80070005",
    ])
      expect(clientLocale(text, "en"), text).toBe("es");
  });

  it("still reads English, apostrophes and quotes included, and Spanish with English words in it", () => {
    expect(detectLanguage("Hi, my laptop won't boot since the update and it's urgent.")).toBe("en");
    expect(detectLanguage('Hello, Outlook says "No se puede conectar" when I send mail.')).toBe("en");
    expect(detectLanguage("No puedo entrar en la VPN desde casa")).toBe("es");
    // Only a pasted error, nothing of the writer's own: the pasted words are all there is to go by.
    expect(detectLanguage("Error: 'Access is denied.'")).toBe("en");
  });
});
