import { describe, expect, it } from "vitest";
import { refusal } from "../../infra/local/http-guard";

const ok = { host: "127.0.0.1:3000" };
const json = { ...ok, "content-type": "application/json" };

describe("the local API's guard (DNS rebinding, cross-site posts)", () => {
  it("serves only requests addressed to a loopback name", () => {
    for (const host of ["127.0.0.1", "127.0.0.1:3000", "localhost:3000", "LOCALHOST", "[::1]:3000", "[::1]"])
      expect(refusal({ method: "GET", path: "/tickets", headers: { host } }), host).toBeUndefined();
    for (const host of [
      "evil.example",
      "evil.example:3000",
      "127.0.0.1.evil.example:3000",
      "10.0.0.5:3000",
      "",
    ])
      expect(refusal({ method: "GET", path: "/tickets", headers: { host } }), host).toMatchObject({
        status: 421,
      });
    expect(refusal({ method: "GET", path: "/", headers: {} })).toMatchObject({ status: 421 });
  });

  it("takes state-changing requests only as JSON", () => {
    for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
      expect(refusal({ method, path: "/tickets/T-1001/events", headers: json }), method).toBeUndefined();
      for (const type of [
        undefined,
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
      ])
        expect(
          refusal({
            method,
            path: "/tickets/T-1001/events",
            headers: { ...ok, ...(type ? { "content-type": type } : {}) },
          }),
          `${method} ${type}`,
        ).toMatchObject({ status: 415 });
    }
    const charset = { ...ok, "content-type": "Application/JSON; charset=utf-8" };
    expect(refusal({ method: "POST", path: "/_clock/advance", headers: charset })).toBeUndefined();
    expect(refusal({ method: "POST", path: "/_clock/advance", headers: { ...ok } })).toMatchObject({
      status: 415,
    });
  });

  it("takes state-changing requests only from its own origin, or from no browser at all", () => {
    const post = (origin?: string, host = "127.0.0.1:3000") =>
      refusal({
        method: "POST",
        path: "/tickets/T-1001/events",
        headers: { host, "content-type": "application/json", ...(origin ? { origin } : {}) },
      });
    expect(post()).toBeUndefined();
    expect(post("http://127.0.0.1:3000")).toBeUndefined();
    expect(post("http://localhost:3000", "localhost:3000")).toBeUndefined();
    for (const origin of ["http://evil.example", "http://127.0.0.1:8080", "null", "https://127.0.0.1:3000"])
      expect(post(origin), origin).toMatchObject({ status: 403 });
  });

  it("leaves the signed public forms to their signature (DESIGN §4)", () => {
    for (const path of ["/feedback/T-1001", "/status/T-1001", "/feedback/T-1001/"]) {
      const form = { ...ok, "content-type": "application/x-www-form-urlencoded" };
      expect(refusal({ method: "POST", path, headers: form }), path).toBeUndefined();
      expect(refusal({ method: "POST", path, headers: { ...form, origin: "null" } }), path).toBeUndefined();
      expect(refusal({ method: "POST", path, headers: { host: "evil.example" } }), path).toMatchObject({
        status: 421,
      });
    }
    const form = { ...ok, "content-type": "application/x-www-form-urlencoded" };
    expect(refusal({ method: "POST", path: "/feedback/T-1001/events", headers: form })).toMatchObject({
      status: 415,
    });
  });
});
