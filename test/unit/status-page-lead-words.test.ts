/**
 * Issue 16: the lead's page in Spanish or English. Both languages carry every string, every event
 * type and every template has a label in each, and the page itself holds no other English than the
 * defaults its script replaces.
 */
import { describe, expect, it } from "vitest";
import { leadPage } from "../../functions/app/pages/lead";
import { LEAD_WORDS } from "../../functions/app/pages/lead-words";
import { CLIENT_TEMPLATES, STAFF_TEMPLATES } from "../../functions/core";

const paths = (value: unknown, prefix = ""): string[] =>
  value && typeof value === "object"
    ? Object.entries(value).flatMap(([key, inner]) => paths(inner, prefix ? `${prefix}.${key}` : key))
    : [prefix];

describe("the lead's page words", () => {
  it("has the same strings in Spanish and English, none empty, none left in the other language", () => {
    expect(paths(LEAD_WORDS.es).sort()).toEqual(paths(LEAD_WORDS.en).sort());
    for (const path of paths(LEAD_WORDS.es)) {
      const es = path
        .split(".")
        .reduce<unknown>((at, key) => (at as Record<string, unknown>)[key], LEAD_WORDS.es);
      const en = path
        .split(".")
        .reduce<unknown>((at, key) => (at as Record<string, unknown>)[key], LEAD_WORDS.en);
      expect(typeof es === "string" && es.length > 0, path).toBe(true);
      expect(typeof en === "string" && en.length > 0, path).toBe(true);
    }
    // Spanish labels are not English ones copied over (a few words are the same in both: "Plan").
    const same = paths(LEAD_WORDS.es).filter(
      (path) =>
        path.split(".").reduce<unknown>((at, key) => (at as Record<string, unknown>)[key], LEAD_WORDS.es) ===
        path.split(".").reduce<unknown>((at, key) => (at as Record<string, unknown>)[key], LEAD_WORDS.en),
    );
    expect(same.sort()).toEqual(["events.plan", "templates.plan"]);
  });

  it("names every template of the project", () => {
    for (const template of [...CLIENT_TEMPLATES, ...STAFF_TEMPLATES])
      for (const locale of ["es", "en"] as const)
        expect(LEAD_WORDS[locale].templates[template], template).toBeTruthy();
  });

  it("marks every visible string of the page for translation", () => {
    const page = leadPage();
    const body = page.slice(page.indexOf("<body>"), page.indexOf('<script id="aviso-settings"'));
    const untranslated = [...body.matchAll(/<(h1|h2|th|div class="legend"|button)([^>]*)>([^<]+)</g)].filter(
      (m) => !m[2]?.includes("data-words") && !m[0].includes("data-words"),
    );
    expect(untranslated.map((m) => m[3])).toEqual([]);
  });
});
