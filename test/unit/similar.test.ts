import { describe, expect, it } from "vitest";
import {
  addIncident,
  analyse,
  buildIndex,
  load,
  type ResolvedIncident,
  removeIncident,
  serialize,
  similarIncidents,
} from "../../functions/core/similar";
import { heldOutRequests, labelledIncidents, scoreRequests, scoreSimilar } from "../../tools/bench/similar";

const incident = (code: string, locale: "es" | "en", subject: string, text: string, cause = "", fix = "") =>
  ({ code, locale, subject, text, cause, fix }) satisfies ResolvedIncident;

const small: ResolvedIncident[] = [
  incident(
    "T-1",
    "es",
    "La impresora de etiquetas no imprime",
    "Sale el papel en blanco",
    "Sensor sin calibrar",
    "Calibración",
  ),
  incident(
    "T-2",
    "es",
    "Sin conexión a la VPN",
    "Error de certificado al conectar",
    "Certificado caducado",
    "Renovado",
  ),
  incident("T-3", "es", "Buzón lleno", "No puedo enviar correos", "Cuota superada", "Archivado"),
  incident(
    "T-4",
    "en",
    "Label printer prints blank labels",
    "Labels come out empty",
    "Sensor not calibrated",
    "Calibrated",
  ),
  incident("T-5", "en", "VPN won't connect", "Certificate error", "Expired certificate", "Renewed"),
];

const codes = (request: { subject: string; text: string; locale: "es" | "en" }, corpus = small) =>
  similarIncidents(corpus, request).map((r) => r.code);

describe("similar past incidents (issue 17)", () => {
  it("folds accents and case, drops stop words, stems in the text's language", () => {
    expect(analyse("Conexión", "es")).toBe(analyse("conexion", "es"));
    expect(analyse("ACTUALIZACIÓN", "es").split(" ")).toEqual(
      expect.arrayContaining(analyse("actualizacion", "es").split(" ")),
    );
    expect(analyse("impresoras", "es")).toBe(analyse("impresora", "es"));
    expect(analyse("imprime", "es")).toBe(analyse("imprimir", "es"));
    expect(analyse("printing printers", "en")).toBe(`${analyse("print", "en")} ${analyse("printer", "en")}`);
    expect(analyse("el de la que y los", "es")).toBe("");
    expect(analyse("the and of it is", "en")).toBe("");
    expect(analyse("Brother HL-1110", "en").split(" ")).toEqual(["brother", "hl-1110", "hl", "1110"]);
  });

  it("finds the same family through accents left out, plurals and other inflections", () => {
    expect(
      codes({ subject: "impresion de ETIQUETAS", text: "salen en blanco, no imprimen", locale: "es" })[0],
    ).toBe("T-1");
    expect(codes({ subject: "conexión vpn", text: "certificados", locale: "es" })[0]).toBe("T-2");
    expect(codes({ subject: "printing labels", text: "blank", locale: "en" })[0]).toBe("T-4");
  });

  it("makes no cross-language claim: a Spanish request ranks Spanish wording, English words meet only shared names", () => {
    const englishOnly = small.filter((i) => i.locale === "en");
    // "VPN" is spelt the same in both languages; "impresora"/"printer" are not.
    expect(codes({ subject: "Falla la VPN", text: "", locale: "es" }, englishOnly)).toEqual(["T-5"]);
    expect(codes({ subject: "La impresora no imprime", text: "", locale: "es" }, englishOnly)).toEqual([]);
  });

  it("answers the acceptance case: a Zebra ticket resolved, another client's Zebra printing no labels finds it", () => {
    const index = buildIndex(labelledIncidents().filter((i) => i.family !== "label-printer-calibration"));
    addIncident(
      index,
      incident(
        "T-9001",
        "en",
        "Zebra ZT230 at the warehouse",
        "Our Zebra stopped printing shipping labels after we loaded a new roll",
        "Media sensor not calibrated for the new roll",
        "Calibrated the media sensor",
      ),
    );
    const [first] = similarIncidents(index, {
      subject: "Zebra printer",
      text: "The Zebra printer does not print labels",
      locale: "en",
    });
    expect(first?.code).toBe("T-9001");
    expect(first?.cause).toBe("Media sensor not calibrated for the new roll");
    expect(first?.fix).toBe("Calibrated the media sensor");
  });

  it("serializes and loads the index with the same ranking; adds, replaces and removes incidents", () => {
    const index = buildIndex(small);
    const request = { subject: "VPN", text: "certificado caducado", locale: "es" as const };
    const before = similarIncidents(index, request);
    const copy = load(serialize(index));
    expect(similarIncidents(copy, request)).toEqual(before);
    addIncident(
      copy,
      incident("T-6", "es", "Otra VPN caída", "Certificado caducado otra vez", "Certificado", "Nuevo"),
    );
    expect(codes(request, copy as never)).toContain("T-6");
    addIncident(copy, incident("T-6", "es", "Buzón lleno", "Cuota", "Cuota", "Archivado"));
    expect(codes(request, copy as never)).not.toContain("T-6");
    removeIncident(copy, "T-2");
    expect(codes(request, copy as never)).not.toContain("T-2");
    expect(similarIncidents(load(serialize(copy)), request)).toEqual(similarIncidents(copy, request));
    expect(() => load('{"format":"other"}')).toThrow(/not a similar-incidents index/);
    expect(() => load("not json")).toThrow();
  });

  it("returns at most k results, nothing for an empty request, and copes with huge input", () => {
    expect(
      similarIncidents(small, { subject: "VPN", text: "impresora buzón", locale: "es" }, 2),
    ).toHaveLength(2);
    expect(similarIncidents(small, { subject: "", text: "de la que", locale: "es" })).toEqual([]);
    const started = performance.now();
    similarIncidents(buildIndex(small), { subject: "x", text: "impresora ".repeat(200_000), locale: "es" });
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it("has a labelled set of ≥ 320 incidents in ≥ 32 families, both languages, and recall@3 ≥ 0.85 leave-one-out", () => {
    const incidents = labelledIncidents();
    expect(incidents.length).toBeGreaterThanOrEqual(320);
    const families = new Set(incidents.map((i) => i.family));
    expect(families.size).toBeGreaterThanOrEqual(32);
    for (const family of families)
      for (const locale of ["es", "en"])
        expect(
          incidents.filter((i) => i.family === family && i.locale === locale).length,
        ).toBeGreaterThanOrEqual(3);
    expect(new Set(incidents.map((i) => i.code)).size).toBe(incidents.length);
    expect(new Set(incidents.map((i) => i.subject.toLowerCase())).size).toBe(incidents.length);
    expect(scoreSimilar(incidents).recallAtK).toBeGreaterThanOrEqual(0.85);
    expect(heldOutRequests().length).toBeGreaterThanOrEqual(64);
    expect(scoreRequests(incidents)).toBeGreaterThanOrEqual(0.85);
  });
});
