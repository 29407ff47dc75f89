/**
 * The route map of the HTTP API on AWS (infra/stack/api.ts builds the routes from it) and of the
 * lead's page. One authorizer per route, so each audience has paths of its own:
 * - scripts and ticket systems sign with IAM (SigV4) on the plain paths;
 * - the lead's page sends a Cognito token (JWT) on the same routes under /lead;
 * - the page itself and the clients' signed links are public.
 */
export type Method = "GET" | "POST" | "DELETE";
export interface Route {
  method: Method;
  /** API Gateway's path syntax: `{name}` is one path segment. */
  path: string;
}

/** The page (HTML and a small script, no data) and the prefix of the routes it reads with a token. */
export const LEAD_PAGE = "/lead";

/** The tickets and feedback API of DESIGN §4, IAM-signed. */
export const TICKET_ROUTES: readonly Route[] = [
  { method: "GET", path: "/tickets" },
  { method: "GET", path: "/tickets/{id}" },
  { method: "POST", path: "/tickets/{id}/events" },
  { method: "GET", path: "/feedback" },
];

/** What the support lead's routes over held-back mail answer (functions/app/admin.ts), IAM-signed. */
export const ADMIN_ROUTES: readonly Route[] = [
  { method: "GET", path: "/quarantine" },
  { method: "POST", path: "/quarantine/{id}/release" },
  { method: "POST", path: "/quarantine/{id}/discard" },
  { method: "GET", path: "/flags" },
  { method: "DELETE", path: "/flags/{address}" },
  { method: "DELETE", path: "/clients/{address}" },
  { method: "POST", path: "/forget" },
];

/**
 * What the lead's page fetches, each under LEAD_PAGE with a JWT. Forgetting a client and posting
 * ticket events stay with IAM (ops and ticket systems), not with a browser session.
 */
export const LEAD_PAGE_ROUTES: readonly Route[] = [
  { method: "GET", path: "/tickets" },
  { method: "GET", path: "/tickets/{id}" },
  { method: "GET", path: "/feedback" },
  { method: "GET", path: "/quarantine" },
  { method: "POST", path: "/quarantine/{id}/release" },
  { method: "POST", path: "/quarantine/{id}/discard" },
  { method: "GET", path: "/flags" },
  { method: "DELETE", path: "/flags/{address}" },
];

/**
 * Signed links: the signature in the link is the authorization (checked by the function). Clients'
 * feedback and status pages; the technicians' links to a kept attachment (functions/app/attachments.ts),
 * which answer with a short presigned S3 URL.
 */
export const SIGNED_PUBLIC_ROUTES: readonly Route[] = [
  { method: "GET", path: "/feedback/{id}" },
  { method: "POST", path: "/feedback/{id}" },
  { method: "GET", path: "/status/{id}" },
  { method: "POST", path: "/status/{id}" },
  { method: "GET", path: "/attachments/{ticketId}/{sha256}" },
];

const pattern = (route: Route) =>
  new RegExp(`^${route.path.replace(/\{[^}]+\}/g, "[^/]+").replace(/\//g, "\\/")}$`);

/**
 * The route a request under LEAD_PAGE stands for (`GET /lead/tickets` → `GET /tickets`), or undefined
 * when the page has no such route.
 */
export function leadPageRoute(method: string, path: string): string | undefined {
  if (!path.startsWith(`${LEAD_PAGE}/`)) return undefined;
  const rest = path.slice(LEAD_PAGE.length);
  const known = LEAD_PAGE_ROUTES.some(
    (route) => route.method === method.toUpperCase() && pattern(route).test(rest),
  );
  return known ? rest : undefined;
}

/** Whether a path is one anybody may reach on AWS (the page and the signed links). */
export function isPublicPath(method: string, path: string): boolean {
  if (path === LEAD_PAGE && method.toUpperCase() === "GET") return true;
  return SIGNED_PUBLIC_ROUTES.some(
    (route) => route.method === method.toUpperCase() && pattern(route).test(path),
  );
}
