/**
 * Issue 14: "A mail with several From addresses, or a From that parses two ways, is quarantined."
 * trust-auth.test.ts holds the several-address forms; these are From headers whose one mailbox
 * the parser reads otherwise than its syntax says, so SES's DMARC check may have judged another.
 */
import { describe, expect, it } from "vitest";
import { inspectMail, type MailContext } from "../../functions/mail/inspect";

const context: MailContext = {
  supportAddress: "soporte@aviso.example",
  technicians: ["lucia@aviso.example"],
  tokenSecret: "test-secret-0123456789abcdef",
  technicianTimeZone: "Europe/Madrid",
  verdicts: { spf: "PASS", dkim: "GRAY", dmarc: "PASS" },
};

const mail = (from: string, body = "#resolve causa: tóner; hecho: cambiado") =>
  `From: ${from}\r\nTo: soporte@aviso.example\r\nSubject: Re: [#T-1001] x\r\nMessage-ID: <m@x.example>\r\n\r\n${body}\r\n`;

describe("a From that parses two ways is quarantined", () => {
  for (const from of [
    // The angle address is empty; the parser takes the address written before it as the sender.
    "lucia@aviso.example <>",
    "lucia@aviso.example < >",
    // An angle bracket never closed.
    "<lucia@aviso.example",
    "Lucía <lucia@aviso.example",
    // A quoted local part that holds an address: read as x@y@z, whose domain is anyone's guess.
    '"attacker@evil.example"@aviso.example',
  ]) {
    it(`quarantines From: ${from}`, async () => {
      const result = await inspectMail(mail(from), context);
      expect(result.kind).toBe("unparseable");
      expect(result.reason).toMatch(/ambiguous sender/);
      expect(result.command).toBeNull();
      expect(result.senderAuthenticated).toBe(false);
    });
  }

  it("still reads the usual From forms as one sender", async () => {
    for (const [from, address] of [
      ["Lucía <lucia@aviso.example>", "lucia@aviso.example"],
      ["lucia@aviso.example", "lucia@aviso.example"],
      ["<lucia@aviso.example>", "lucia@aviso.example"],
      ["LUCIA@AVISO.EXAMPLE", "lucia@aviso.example"],
      ["lucia@aviso.example (Lucía)", "lucia@aviso.example"],
      ['"Pérez, Lucía" < lucia@aviso.example >', "lucia@aviso.example"],
      ["=?utf-8?q?Luc=C3=ADa?= <lucia@aviso.example>", "lucia@aviso.example"],
    ]) {
      const result = await inspectMail(mail(from as string), context);
      expect(result.kind, from).toBe("technician-command");
      expect(result.mail?.from?.address, from).toBe(address);
    }
  });
});
