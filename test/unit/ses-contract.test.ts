import { describe, expect, it } from "vitest";
import { composeSendEmail, formatAddress } from "../../functions/mail/compose";
import { sesSendEmailViolations } from "../../functions/mail/ses-contract";

const rendered = { subject: "Tu solicitud [#T-1042]", html: "<p>Hola</p>", text: "Hola" };

function mail(overrides: Partial<Parameters<typeof composeSendEmail>[0]> = {}) {
  return composeSendEmail({
    from: { address: "help@support.example.com", name: "Soporte · Support" },
    to: [{ address: "ana@cliente.example", name: "Lucía Pérez" }],
    replyTo: "help+T-1042.abc123@support.example.com",
    rendered,
    ticketId: "T-1042",
    effectId: "mail:<x@y>#1",
    thread: [],
    automatic: true,
    ...overrides,
  });
}

const domain = "support.example.com";

describe("every SendEmail request holds SESv2's documented contract", () => {
  it("a 30-message thread keeps References within 870 characters, with the first and the latest ids", () => {
    const thread = Array.from(
      { length: 30 },
      (_, i) =>
        `<0100019${String(i).padStart(2, "0")}a1b2c3d4-e5f6a7b8-c9d0-4e1f-a2b3-c4d5e6f7a8b9-000000@eu-west-1.amazonses.com>`,
    );
    const input = mail({ thread });
    const references = input.Content?.Simple?.Headers?.find((h) => h.Name === "References")?.Value ?? "";
    expect(references.length).toBeLessThanOrEqual(870);
    expect(references.startsWith(thread[0] as string)).toBe(true);
    expect(references.endsWith(thread.at(-1) as string)).toBe(true);
    expect(input.Content?.Simple?.Headers?.find((h) => h.Name === "In-Reply-To")?.Value).toBe(thread.at(-1));
    expect(sesSendEmailViolations(input, { domain })).toEqual([]);
  });

  it("non-ASCII display names are RFC 2047 encoded words (the default sender name, Lucía)", () => {
    expect(formatAddress({ address: "ana@cliente.example", name: "Lucía Pérez" })).toBe(
      `=?UTF-8?B?${Buffer.from("Lucía Pérez").toString("base64")}?= <ana@cliente.example>`,
    );
    expect(formatAddress({ address: "a@b.example", name: "Ana" })).toBe('"Ana" <a@b.example>');
    const input = mail();
    expect(input.FromEmailAddress).toMatch(/^=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?= <help@support\.example\.com>$/);
    expect(sesSendEmailViolations(input, { domain })).toEqual([]);
  });

  it("names what breaks the contract: raw non-ASCII, CR/LF, long header values, 51 recipients, bad tags, a foreign From", () => {
    const input = mail();
    input.FromEmailAddress = '"Lucía" <help@other.example>';
    input.Destination = {
      ToAddresses: Array.from({ length: 51 }, (_, i) => `c${i}@x.example`),
    };
    input.Content?.Simple?.Headers?.push({ Name: "X-Long", Value: "a".repeat(871) });
    input.Content?.Simple?.Headers?.push({ Name: "X-Evil", Value: "a\r\nBcc: victim@x.example" });
    input.EmailTags = [{ Name: "effect", Value: "T-1/x y" }];
    const violations = sesSendEmailViolations(input, { domain }).join("\n");
    expect(violations).toMatch(/FromEmailAddress.*not ASCII/);
    expect(violations).toMatch(/FromEmailAddress.*not an address of support\.example\.com/);
    expect(violations).toMatch(/51 recipients/);
    expect(violations).toMatch(/X-Long.*871 characters/);
    expect(violations).toMatch(/X-Evil.*printable ASCII/);
    expect(violations).toMatch(/tag effect/);
  });
});
