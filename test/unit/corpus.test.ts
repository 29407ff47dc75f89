import { beforeAll, describe, expect, it } from "vitest";
import type { MailKind } from "../../functions/mail/inspect";
import { type CorpusResult, runCorpus } from "../support/corpus";

/**
 * Rows whose kind aviso judges otherwise than the corpus's `expected` column, each with the exact
 * kind aviso gives and why. All three are automatic mail either way: held in quarantine, never
 * answered; only the label the support lead reads differs.
 */
const KIND_JUDGED: Record<string, { kind: MailKind; why: string }> = {
  "a-autoreply/bounceparser__boxbe-cr.eml": {
    kind: "bounce",
    why: "the challenge-response comes wrapped as a multipart/report delivery-status report",
  },
  "a-autoreply/bounceparser__polish-autoreply.eml": {
    kind: "bulk",
    why: "it says Precedence: junk, the bulk-mail marker",
  },
  "b-bounce/bounceparser__warning-5.eml": {
    kind: "auto-reply",
    why: "it says Auto-Submitted: auto-replied and carries no delivery-status report",
  },
};

/**
 * Rows whose .expected.txt aviso deliberately differs from, with the reason: only their text check
 * is waived, never their kind. talon keeps "Sent from my iPhone" because talon strips no
 * signatures; three other fixtures of the corpus (EmailReplyParser, edgetier, crisp) strip the same
 * kind of mail-program footer, and so does aviso: it carries nothing the technician or the client
 * needs.
 */
const TEXT_JUDGED: Record<string, string> = {
  "d-reply-quoted/talon__iphone.eml": "device footer 'Sent from my iPhone' is stripped",
};

const kindFor = (r: CorpusResult) => KIND_JUDGED[r.row.file]?.kind ?? r.expectedKind;

describe("the real-world corpus (../shared/corpus)", () => {
  let results: CorpusResult[];
  beforeAll(async () => {
    results = await runCorpus();
  });

  it("gives every row exactly the kind its expected column says", () => {
    const wrong = results
      .filter((r) => r.inspection.kind !== kindFor(r))
      .map(
        (r) =>
          `${r.row.file}: expected ${kindFor(r)} (${r.row.expected}), got ${r.inspection.kind} (${r.inspection.reason})`,
      );
    const exact = results.filter((r) => r.inspection.kind === r.expectedKind).length;
    console.log(`corpus kinds: ${exact}/${results.length} as the column says`);
    expect(results).toHaveLength(150);
    expect(wrong).toEqual([]);
  });

  it("matches every .expected.txt, but for the rows whose text is judged otherwise", () => {
    const wrong = results
      .filter((r) => r.textProblems.length > 0 && !(r.row.file in TEXT_JUDGED))
      .map((r) => `${r.row.file}: ${r.textProblems.join("; ")}`);
    const good = results.filter((r) => r.hasExpectedText && r.textProblems.length === 0).length;
    console.log(
      `corpus texts: ${good}/${results.filter((r) => r.hasExpectedText).length} (judged otherwise: ${Object.keys(TEXT_JUDGED).length})`,
    );
    expect(wrong).toEqual([]);
  });

  it("keeps no judgement that has stopped applying", () => {
    const byFile = new Map(results.map((r) => [r.row.file, r]));
    for (const [file, judged] of Object.entries(KIND_JUDGED)) {
      const r = byFile.get(file);
      expect(r, file).toBeDefined();
      expect(judged.kind, `${file} is judged to be what its column says`).not.toBe(r?.expectedKind);
      expect(judged.why.length, file).toBeGreaterThan(10);
    }
    for (const file of Object.keys(TEXT_JUDGED)) {
      const r = byFile.get(file);
      expect(r?.hasExpectedText, `${file} has an .expected.txt`).toBe(true);
      expect(r?.textProblems.length, `${file} now matches its .expected.txt`).toBeGreaterThan(0);
    }
  });

  it("never threads an automatic message, even when it carries a ticket code", () => {
    const automatic = results.filter((r) => ["auto-reply", "bounce", "bulk"].includes(r.inspection.kind));
    expect(automatic.length).toBeGreaterThanOrEqual(62);
    for (const r of automatic) expect(r.inspection.ticketRef, r.row.file).toBeNull();
  });

  it("gives a reason for every verdict", () => {
    for (const r of results) expect(r.inspection.reason.length, r.row.file).toBeGreaterThan(5);
  });
});
