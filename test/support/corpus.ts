import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Inspection, inspectMail, type MailContext, type MailKind } from "../../functions/mail/inspect";

export const CORPUS = join(import.meta.dirname, "../../../shared/corpus");

export interface CorpusRow {
  file: string;
  category: string;
  label: string;
  expected: "open-ticket" | "thread-reply" | "ignore-autoreply" | "ignore-bounce" | "ignore-bulk";
}

export function corpusRows(): CorpusRow[] {
  const lines = readFileSync(join(CORPUS, "INDEX.tsv"), "utf8").trim().split("\n").slice(1);
  return lines.map((line) => {
    const [file, category, label, expected] = line.split("\t");
    return { file, category, label, expected } as CorpusRow;
  });
}

/** The one kind of mail each value of the corpus's `expected` column stands for. */
export const EXPECTED_KIND: Record<CorpusRow["expected"], MailKind> = {
  "open-ticket": "new-request",
  "thread-reply": "reply",
  "ignore-autoreply": "auto-reply",
  "ignore-bounce": "bounce",
  "ignore-bulk": "bulk",
};

export const corpusContext: MailContext = {
  supportAddress: "support@aviso.localhost",
  technicians: ["tech@aviso.localhost"],
  tokenSecret: "corpus-test-secret-0123456789",
  technicianTimeZone: "Europe/Madrid",
};

const decodeEntities = (s: string) =>
  s.replace(
    /&(uuml|ouml|auml|szlig|Uuml|Ouml|Auml|amp|nbsp);/g,
    (_, e: string) =>
      ({ uuml: "ü", ouml: "ö", auml: "ä", szlig: "ß", Uuml: "Ü", Ouml: "Ö", Auml: "Ä", amp: "&", nbsp: " " })[
        e
      ] ?? _,
  );
const squash = (s: string) => s.replace(/\s+/g, " ").trim();

/**
 * Checks a visible text against an .expected.txt in its three forms: the exact text,
 * "Must contain/Must NOT contain" lines, or a description of a forwarded mail.
 */
export function expectedTextProblems(expectedFile: string, visible: string): string[] {
  const expected = readFileSync(expectedFile, "utf8");
  const problems: string[] = [];
  const text = squash(visible);
  const quoted = (line: string) =>
    [...line.matchAll(/"([^"]+)"/g)].map((m) => squash(decodeEntities(m[1] ?? "")));
  if (/^Must (NOT )?contain:/m.test(expected)) {
    for (const line of expected.split("\n")) {
      if (line.startsWith("Must contain:")) {
        for (const part of quoted(line)) if (!text.includes(part)) problems.push(`missing "${part}"`);
      } else if (line.startsWith("Must NOT contain:")) {
        for (const part of quoted(line))
          if (text.includes(part)) problems.push(`should not contain "${part}"`);
      }
    }
    return problems;
  }
  if (expected.startsWith("Quoted/forwarded email:")) {
    const from = /from (\S+@\S+)/.exec(expected)?.[1];
    const bodyStart = /quoted body starts "([^"]+)"/.exec(expected)?.[1];
    if (from && !text.includes(from)) problems.push(`forwarded sender ${from} lost`);
    if (bodyStart && !text.includes(bodyStart)) problems.push(`forwarded body "${bodyStart}" lost`);
    return problems;
  }
  if (expected.startsWith("First fragment must contain")) {
    const [must, mustNot] = quoted(expected);
    if (must && !text.includes(must)) problems.push(`missing "${must}"`);
    if (mustNot && text.includes(mustNot)) problems.push(`should not contain "${mustNot}"`);
    return problems;
  }
  if (expected.startsWith("Not asserted directly (derived)")) {
    const first = /visible text = first fragment = "([^"]+)"/.exec(expected)?.[1];
    if (first && text !== squash(first))
      problems.push(`expected exactly "${first}", got "${text.slice(0, 120)}"`);
    return problems;
  }
  if (text !== squash(expected))
    problems.push(`expected "${squash(expected).slice(0, 80)}…", got "${text.slice(0, 120)}…"`);
  return problems;
}

export interface CorpusResult {
  row: CorpusRow;
  inspection: Inspection;
  /** The kind the row's `expected` column stands for. */
  expectedKind: MailKind;
  /** Whether the row has an .expected.txt to check the visible text against. */
  hasExpectedText: boolean;
  textProblems: string[];
}

export async function runCorpus(): Promise<CorpusResult[]> {
  const results: CorpusResult[] = [];
  for (const row of corpusRows()) {
    const path = join(CORPUS, row.file);
    const inspection = await inspectMail(readFileSync(path), corpusContext);
    const expectedFile = `${path}.expected.txt`;
    const hasExpectedText = existsSync(expectedFile);
    results.push({
      row,
      inspection,
      expectedKind: EXPECTED_KIND[row.expected],
      hasExpectedText,
      textProblems: hasExpectedText ? expectedTextProblems(expectedFile, inspection.visibleText) : [],
    });
  }
  return results;
}
