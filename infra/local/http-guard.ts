/**
 * The local API's guard against the browser on the same machine (DESIGN §7; issue 14, finding 9):
 * - DNS rebinding: a page of evil.example whose name now resolves to 127.0.0.1 is same-origin with
 *   the API in the browser's eyes, but it sends its own name as Host. Only loopback names pass.
 * - Cross-site posts: a page may post text/plain, a form or an empty body anywhere without asking
 *   (no CORS preflight). State-changing requests must say JSON, which a page can only send after a
 *   preflight the API never grants, and come from the API's own origin or from no browser at all.
 * The signed public forms (/feedback/{id}, /status/{id}) post urlencoded forms to their own route;
 * their signature protects them, not the content type (DESIGN §4). The Host rule holds for them too.
 */
export interface GuardedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
}

export interface Refusal {
  status: 403 | 415 | 421;
  error: string;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
const LOOPBACK_NAMES = new Set(["127.0.0.1", "localhost", "[::1]"]);
const SIGNED_FORM = /^\/(feedback|status)\/[^/]+\/?$/;

/** Why the local API refuses a request, or undefined when it may be served. */
export function refusal(request: GuardedRequest): Refusal | undefined {
  const host = header(request, "host");
  if (!host || !LOOPBACK_NAMES.has(hostName(host)))
    return {
      status: 421,
      error: `refused by the local API: it answers 127.0.0.1, localhost and [::1], not "${host ?? ""}"`,
    };
  if (SAFE_METHODS.has(request.method.toUpperCase()) || SIGNED_FORM.test(request.path)) return undefined;
  const type = (header(request, "content-type") ?? "").split(";")[0]?.trim().toLowerCase();
  if (type !== "application/json")
    return {
      status: 415,
      error: "refused by the local API: send the body as JSON, with content-type: application/json",
    };
  const origin = header(request, "origin");
  if (origin !== undefined && origin.toLowerCase() !== `http://${host.toLowerCase()}`)
    return { status: 403, error: `refused by the local API: a request from ${origin} (another site)` };
  return undefined;
}

function header(request: GuardedRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The name in a Host header, without its port: "[::1]:3000" → "[::1]", "localhost:3000" → "localhost". */
function hostName(host: string): string {
  const name = host.trim().toLowerCase();
  if (name.startsWith("[")) return name.slice(0, name.indexOf("]") + 1);
  return name.split(":")[0] ?? "";
}
