import { createHash } from "node:crypto";
import { LEAD_PAGE } from "./lead-routes";
import { LEAD_SCRIPT as SCRIPT } from "./lead-script";
import { LEAD_WORDS } from "./lead-words";

/**
 * Where the lead signs in on AWS: the Cognito user pool's domain (managed login) and its public app
 * client. The local runtime has none: its page reads the API on 127.0.0.1 without a token.
 */
export interface LeadSignIn {
  /** The user pool domain's base URL, `https://<prefix>.auth.<region>.amazoncognito.com`. */
  url: string;
  clientId: string;
}

/**
 * The support lead's page (DESIGN §8): who is waiting for news, ratings and ideas, held mail
 * (release, discard) and flags (clear). It reads the routes under /lead. With `signIn` it first
 * signs the lead in (authorization code with PKCE, no client secret) and sends the access token as
 * a bearer token; the server writes the settings into the page, so the same page serves both.
 */
export function leadPage(signIn?: LeadSignIn): string {
  const settings = JSON.stringify({ api: LEAD_PAGE, ...(signIn ? { signIn } : {}) }).replace(/</g, "\\u003c");
  const words = JSON.stringify(LEAD_WORDS).replace(/</g, "\\u003c");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>aviso · who is waiting</title>
<style>${STYLE}</style>
</head>
<body>
<h1 data-words="title">aviso · who is waiting for news</h1>
<div class="sub"><span id="clock"></span> <span id="who"></span> <a id="signout" hidden>Sign out</a></div>
<h2 data-words="openTickets">Open tickets, longest silence first</h2>
<table id="tickets"><thead><tr><th data-words="columns.ticket">Ticket</th><th data-words="columns.client">Client</th><th data-words="columns.subject">Subject</th><th data-words="columns.silence">Silence (business h)</th><th data-words="columns.timeline">Messages over business time</th></tr></thead><tbody></tbody></table>
<div class="legend" data-words="legend">${LEAD_WORDS.en.legend}</div>
<section id="detail" hidden>
<div class="detail-head"><h2 id="detail-title"></h2><button id="detail-close" data-words="detail.close">Close</button></div>
<div class="sub" id="detail-meta"></div>
<table id="detail-timeline"><thead><tr><th data-words="detail.when">When</th><th data-words="detail.what">What</th><th data-words="detail.delivery">Delivery</th></tr></thead><tbody></tbody></table>
</section>
<h2 data-words="held">Held mail</h2>
<ul id="held"></ul>
<h2 data-words="flags">Flagged addresses</h2>
<ul id="flags"></ul>
<h2 data-words="ratings">Ratings</h2>
<ul id="ratings"></ul>
<h2 data-words="ideas">Ideas from clients</h2>
<ul id="ideas"></ul>
<script id="aviso-settings" type="application/json">${settings}</script>
<script id="aviso-words" type="application/json">${words}</script>
<script>${SCRIPT}</script>
</body>
</html>`;
}

const STYLE = `
  body { font-family: system-ui, sans-serif; margin: 24px; color: #1f2933; background: #f4f5f7; }
  h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 24px 0 8px; }
  .sub { color: #52606d; font-size: 13px; }
  table { border-collapse: collapse; width: 100%; background: #fff; border-radius: 8px; overflow: hidden; }
  th, td { text-align: left; padding: 8px 10px; border-bottom: 1px solid #e4e7eb; font-size: 14px; vertical-align: middle; }
  th { background: #eef1f4; font-weight: 600; }
  tr.overdue td { background: #fde8e8; } tr.overdue td.silence { color: #b42318; font-weight: 700; }
  td.timeline { width: 45%; } svg { display: block; width: 100%; height: 26px; }
  .axis { stroke: #cbd2d9; stroke-width: 2; } .day { stroke: #9aa5b1; stroke-width: 1; }
  .message { fill: #1d6f5f; } .message.unsent { fill: #f0b429; } .silent { stroke: #b42318; stroke-width: 4; }
  .legend { font-size: 12px; color: #52606d; margin-top: 6px; }
  ul { background: #fff; border-radius: 8px; padding: 12px 28px; } li { margin: 4px 0; }
  li button { margin-left: 8px; font-size: 12px; }
  .empty { color: #52606d; font-style: italic; list-style: none; }
  td button.open { font: inherit; font-weight: 600; color: #1d6f5f; background: none; border: 0; padding: 0; cursor: pointer; text-decoration: underline; }
  #detail { background: #fff; border-radius: 8px; padding: 12px 16px; margin-top: 20px; border-left: 4px solid #1d6f5f; }
  .detail-head { display: flex; justify-content: space-between; align-items: center; } .detail-head h2 { margin: 4px 0; }
  #detail table { margin-top: 8px; } #detail td.when { white-space: nowrap; color: #52606d; width: 12em; }
  #detail tr.client-mail td.what { font-weight: 600; } #detail tr.staff-mail td.what { color: #3e4c59; }
  #detail .note { color: #52606d; font-weight: 400; }
  .delivery { border-radius: 10px; padding: 2px 10px; font-size: 12px; font-weight: 600; }
  .delivery-sent { background: #e3f2ee; color: #1d6f5f; } .delivery-pending { background: #e4e7eb; color: #3e4c59; }
  .delivery-suppressed { background: #fff4d6; color: #8d5b00; } .delivery-failed, .delivery-bounced { background: #fde8e8; color: #b42318; }
`;

/**
 * The page's headers: its one script by hash, reads from its own origin (and the user pool's token
 * endpoint), no framing, and no address (which carries the sign-in code) sent elsewhere.
 */
export function leadPageHeaders(signIn?: LeadSignIn): Record<string, string> {
  const script = createHash("sha256").update(SCRIPT).digest("base64");
  return {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "content-security-policy": [
      "default-src 'none'",
      `script-src 'sha256-${script}'`,
      "style-src 'unsafe-inline'",
      `connect-src 'self'${signIn ? ` ${new URL(signIn.url).origin}` : ""}`,
      "frame-ancestors 'none'",
      "base-uri 'none'",
      "form-action 'none'",
    ].join("; "),
  };
}
