import { createHash } from "node:crypto";
import { LEAD_PAGE } from "./lead-routes";

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
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>aviso · who is waiting</title>
<style>${STYLE}</style>
</head>
<body>
<h1>aviso · who is waiting for news</h1>
<div class="sub"><span id="clock"></span> <span id="who"></span> <a id="signout" hidden>Sign out</a></div>
<h2>Open tickets, longest silence first</h2>
<table id="tickets"><thead><tr><th>Ticket</th><th>Client</th><th>Subject</th><th>Silence (business h)</th><th>Messages over business time</th></tr></thead><tbody></tbody></table>
<div class="legend">A dot is a message to the client, placed by business hours since the ticket opened; ticks mark business days; red is the silence past one business day.</div>
<h2>Held mail</h2>
<ul id="held"></ul>
<h2>Flagged addresses</h2>
<ul id="flags"></ul>
<h2>Ratings</h2>
<ul id="ratings"></ul>
<h2>Ideas from clients</h2>
<ul id="ideas"></ul>
<script id="aviso-settings" type="application/json">${settings}</script>
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

// Plain script, no template literals: it sits inside one.
const SCRIPT = `
  const settings = JSON.parse(document.getElementById("aviso-settings").textContent);
  const signIn = settings.signIn;
  const here = location.origin + location.pathname;
  const store = sessionStorage;
  const text = (value) => document.createTextNode(String(value ?? ""));
  const cell = (row, value, className) => { const td = row.insertCell(); td.append(text(value)); if (className) td.className = className; return td; };
  const svg = (name, attributes) => {
    const node = document.createElementNS("http://www.w3.org/2000/svg", name);
    for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
    return node;
  };
  const base64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
  const randomText = () => base64url(crypto.getRandomValues(new Uint8Array(32)));

  /** To the user pool's sign-in page, with a fresh PKCE verifier and state kept for the return. */
  async function signInAgain() {
    store.removeItem("aviso.token");
    const verifier = randomText(), state = randomText();
    store.setItem("aviso.verifier", verifier);
    store.setItem("aviso.state", state);
    const challenge = base64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
    location.assign(signIn.url + "/oauth2/authorize?" + new URLSearchParams({
      response_type: "code", client_id: signIn.clientId, redirect_uri: here, scope: "openid email",
      state, code_challenge: challenge, code_challenge_method: "S256",
    }));
    return new Promise(() => {});
  }

  /** A sign-in that went wrong is shown, not retried in a loop of redirects. */
  function stopped(why) {
    document.getElementById("who").textContent = "· " + why + " ";
    const again = document.getElementById("signout");
    again.textContent = "Sign in again"; again.href = "#"; again.hidden = false;
    again.onclick = (event) => { event.preventDefault(); signInAgain(); };
    return new Promise(() => {});
  }

  /** The access token: kept for this tab, else from the code the user pool sent back, else sign in. */
  async function token() {
    if (!signIn) return undefined;
    const query = new URLSearchParams(location.search);
    const code = query.get("code");
    if (query.get("error")) {
      history.replaceState(null, "", here);
      return stopped("sign-in failed: " + query.get("error"));
    }
    if (code) {
      const verifier = store.getItem("aviso.verifier"), state = store.getItem("aviso.state");
      store.removeItem("aviso.verifier"); store.removeItem("aviso.state");
      history.replaceState(null, "", here);
      if (!verifier || query.get("state") !== state) return stopped("the sign-in answer does not match this tab's request");
      const response = await fetch(signIn.url + "/oauth2/token", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ grant_type: "authorization_code", client_id: signIn.clientId, code, redirect_uri: here, code_verifier: verifier }),
      });
      if (!response.ok) return stopped("the user pool refused the sign-in (" + response.status + ")");
      const tokens = await response.json();
      store.setItem("aviso.token", tokens.access_token);
      store.setItem("aviso.id", tokens.id_token);
      store.setItem("aviso.expires", String(Date.now() + (tokens.expires_in - 60) * 1000));
    }
    const kept = store.getItem("aviso.token");
    if (kept && Number(store.getItem("aviso.expires")) > Date.now()) return kept;
    return signInAgain();
  }

  let pending, bearer;
  /** One sign-in for the page's parallel reads: the code in the address is good for one exchange. */
  const session = () => (pending ??= token().finally(() => { pending = undefined; }));
  async function call(method, path) {
    const headers = {};
    const jwt = await session();
    if (jwt) headers.authorization = "Bearer " + jwt;
    if (jwt && !bearer) showSession(store.getItem("aviso.id") ?? jwt);
    bearer = jwt;
    const init = { method, headers };
    if (method !== "GET") { headers["content-type"] = "application/json"; init.body = "{}"; }
    const response = await fetch(settings.api + path, init);
    if (response.status === 401 && signIn) return signInAgain();
    return response.ok ? response.json() : {};
  }
  const get = (path) => call("GET", path);

  function showSession(jwt) {
    try {
      const claims = JSON.parse(atob(jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
      document.getElementById("who").textContent = "· signed in as " + (claims.email ?? claims["cognito:username"] ?? "");
    } catch {}
    const out = document.getElementById("signout");
    out.href = signIn.url + "/logout?" + new URLSearchParams({ client_id: signIn.clientId, logout_uri: here });
    out.onclick = () => store.clear();
    out.hidden = false;
  }

  /** One ticket's messages on a line of business time; every row shares the scale of the longest. */
  function timeline(detail, scale) {
    const width = 1000, pad = 8, x = (hours) => pad + (hours / scale) * (width - 2 * pad);
    const root = svg("svg", { viewBox: "0 0 " + width + " 26", preserveAspectRatio: "none", role: "img" });
    root.append(svg("line", { class: "axis", x1: x(0), x2: x(detail.businessHoursOpen), y1: 13, y2: 13 }));
    for (let day = detail.hoursPerDay; day < detail.businessHoursOpen; day += detail.hoursPerDay)
      root.append(svg("line", { class: "day", x1: x(day), x2: x(day), y1: 5, y2: 21 }));
    const last = detail.businessHoursOpen - detail.silenceBusinessHours;
    if (detail.overdue) root.append(svg("line", { class: "silent", x1: x(last + detail.hoursPerDay), x2: x(detail.businessHoursOpen), y1: 13, y2: 13 }));
    for (const message of detail.messages ?? []) {
      const dot = svg("circle", { class: message.sent ? "message" : "message unsent", cx: x(message.businessHours), cy: 13, r: 5 });
      const title = svg("title", {}); title.textContent = message.template + " · " + message.at + (message.sent ? "" : " · not sent");
      dot.append(title); root.append(dot);
    }
    const label = svg("title", {}); label.textContent = detail.id + ": " + (detail.messages ?? []).length + " messages in " + detail.businessHoursOpen + " business hours";
    root.prepend(label);
    return root;
  }

  function item(list, words, actions) {
    const li = document.createElement("li"); li.append(text(words));
    for (const [label, method, path] of actions) {
      const button = document.createElement("button"); button.textContent = label;
      button.onclick = async () => { button.disabled = true; await call(method, path); await load(); };
      li.append(button);
    }
    list.append(li);
  }

  async function load() {
    const [tickets, feedback, held, flagged] = await Promise.all(["/tickets", "/feedback", "/quarantine", "/flags"].map(get));
    document.getElementById("clock").textContent = tickets.now ? "now: " + tickets.now : "";
    const open = (tickets.tickets ?? []).filter((t) => t.status === "open").slice(0, 100);
    const details = await Promise.all(open.map((t) => get("/tickets/" + t.id)));
    const scale = Math.max(1, ...details.map((d) => d.businessHoursOpen ?? 0));
    const body = document.querySelector("#tickets tbody");
    body.replaceChildren();
    open.forEach((t, i) => {
      const row = body.insertRow();
      row.dataset.ticket = t.id;
      if (t.overdue) row.className = "overdue";
      cell(row, t.id); cell(row, t.client); cell(row, t.subject); cell(row, t.silenceBusinessHours, "silence");
      const td = row.insertCell(); td.className = "timeline";
      if (details[i]?.messages) td.append(timeline(details[i], scale));
    });
    const lists = Object.fromEntries(["held", "flags", "ratings", "ideas"].map((id) => [id, document.getElementById(id)]));
    for (const list of Object.values(lists)) list.replaceChildren();
    for (const h of held.quarantine ?? []) {
      const id = encodeURIComponent(h.id);
      item(lists.held, h.at + " · " + h.kind + " · " + (h.from ?? "(no sender)") + " · «" + (h.subject ?? "") + "» · " + h.reason,
        [["Release", "POST", "/quarantine/" + id + "/release"], ["Discard", "POST", "/quarantine/" + id + "/discard"]]);
    }
    for (const f of flagged.flags ?? [])
      item(lists.flags, f.address + " · " + f.reason + " · until " + f.until, [["Clear", "DELETE", "/flags/" + encodeURIComponent(f.address)]]);
    for (const f of feedback.feedback ?? []) {
      item(lists.ratings, f.ticketId + ": " + "★".repeat(f.rating) + "☆".repeat(5 - f.rating) + (f.comment ? " — " + f.comment : ""), []);
      if (f.idea) item(lists.ideas, f.idea + " (" + f.ticketId + ")", []);
    }
    const empty = { held: "Nothing held.", flags: "No address is flagged.", ratings: "No ratings yet.", ideas: "No ideas yet." };
    for (const [id, list] of Object.entries(lists))
      if (!list.children.length) { const li = document.createElement("li"); li.className = "empty"; li.append(text(empty[id])); list.append(li); }
    document.body.dataset.loaded = "true";
  }
  // Every read is a request to the API (one per open ticket): each minute on AWS, every 5 s locally.
  load(); setInterval(load, signIn ? 60000 : 5000);
`;
