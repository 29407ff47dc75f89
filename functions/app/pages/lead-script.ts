/**
 * The lead's page's one script (served inline, allowed by its hash: see leadPageHeaders). Plain
 * script, no template literals: it sits inside one. Its words come from the settings the server
 * writes into the page (lead-words.ts), in the browser's language.
 */
export const LEAD_SCRIPT = `
  const settings = JSON.parse(document.getElementById("aviso-settings").textContent);
  const words = JSON.parse(document.getElementById("aviso-words").textContent);
  const signIn = settings.signIn;
  const here = location.origin + location.pathname;
  const store = sessionStorage;
  /** The first of the browser's languages the page speaks, else English. */
  const lang = (navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || "en"])
    .map((tag) => String(tag).slice(0, 2).toLowerCase()).find((tag) => words[tag]) ?? "en";
  const w = words[lang];
  document.documentElement.lang = lang;
  document.title = w.pageTitle;
  const pick = (path) => path.split(".").reduce((at, key) => (at == null ? at : at[key]), w);
  for (const node of document.querySelectorAll("[data-words]")) node.textContent = pick(node.dataset.words) ?? node.textContent;
  const text = (value) => document.createTextNode(String(value ?? ""));
  const cell = (row, value, className) => { const td = row.insertCell(); td.append(text(value)); if (className) td.className = className; return td; };
  const element = (name, className, content) => {
    const node = document.createElement(name); if (className) node.className = className;
    if (content !== undefined) node.append(text(content));
    return node;
  };
  const svg = (name, attributes) => {
    const node = document.createElementNS("http://www.w3.org/2000/svg", name);
    for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
    return node;
  };
  const when = (at) => { const d = new Date(at); return isNaN(d) ? String(at ?? "") : d.toLocaleString(lang, { dateStyle: "medium", timeStyle: "short" }); };
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
    again.textContent = w.signInAgain; again.href = "#"; again.hidden = false;
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
      return stopped(w.signInFailed + ": " + query.get("error"));
    }
    if (code) {
      const verifier = store.getItem("aviso.verifier"), state = store.getItem("aviso.state");
      store.removeItem("aviso.verifier"); store.removeItem("aviso.state");
      history.replaceState(null, "", here);
      if (!verifier || query.get("state") !== state) return stopped(w.signInMismatch);
      const response = await fetch(signIn.url + "/oauth2/token", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ grant_type: "authorization_code", client_id: signIn.clientId, code, redirect_uri: here, code_verifier: verifier }),
      });
      if (!response.ok) return stopped(w.signInRefused + " (" + response.status + ")");
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
      document.getElementById("who").textContent = "· " + w.signedInAs + " " + (claims.email ?? claims["cognito:username"] ?? "");
    } catch {}
    const out = document.getElementById("signout");
    out.textContent = w.signOut;
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
      const title = svg("title", {}); title.textContent = (w.templates[message.template] ?? message.template) + " · " + when(message.at) + (message.sent ? "" : " · " + w.notSent);
      dot.append(title); root.append(dot);
    }
    const label = svg("title", {}); label.textContent = detail.id + ": " + (detail.messages ?? []).length + " " + w.messagesIn.replace("{n}", detail.businessHoursOpen);
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

  /** The ticket whose detail is shown, and its last reading. */
  let shown;
  const MAIL = new Set(["send-client", "notify", "call-task"]);

  /** The full timeline of one ticket: what happened and every mail with where it stands. */
  function showDetail(detail) {
    const section = document.getElementById("detail");
    if (!detail || !detail.id) { section.hidden = true; return; }
    document.getElementById("detail-title").textContent = w.detail.title + " " + detail.id + " · " + (detail.subject ?? "");
    document.getElementById("detail-meta").textContent = [
      w.detail.status + ": " + (w.statuses[detail.status] ?? detail.status),
      detail.client,
      w.detail.opened + ": " + when(detail.openedAt),
    ].join(" · ");
    const lines = [];
    for (const entry of detail.timeline ?? []) {
      if (entry.kind !== "event") {
        lines.push({ at: entry.at, kind: "entry", what: w.kinds[entry.kind] ?? entry.kind, note: entry.summary });
        continue;
      }
      const outcome = entry.data && entry.data.outcome && entry.data.outcome !== "applied" ? " (" + (w.detail.outcomes[entry.data.outcome] ?? entry.data.outcome) + ")" : "";
      const timer = entry.type === "timer" ? /^timer (\\S+)/.exec(entry.summary ?? "") : null;
      const named = timer ? ": " + (w.timers[timer[1]] ?? timer[1]) : "";
      lines.push({ at: entry.at, kind: "entry", what: (w.events[entry.type] ?? entry.type) + named + outcome, note: "" });
    }
    for (const effect of detail.effects ?? []) {
      if (!MAIL.has(effect.kind)) continue;
      const to = effect.kind === "send-client" ? effect.to : w.detail.technicians;
      const name = effect.kind === "call-task" ? w.templates["call-task"] : (w.templates[effect.template] ?? effect.template);
      lines.push({ at: effect.at, kind: effect.kind === "send-client" ? "client-mail" : "staff-mail", what: w.kinds.mail + ": " + name, note: w.detail.to + " " + to, delivery: effect.delivery });
    }
    // What happened comes before the mail it caused, at the same instant.
    const rank = (line) => (line.kind === "entry" ? 0 : 1);
    lines.sort((a, b) => String(a.at).localeCompare(String(b.at)) || rank(a) - rank(b));
    const body = document.querySelector("#detail-timeline tbody");
    body.replaceChildren();
    for (const line of lines) {
      const row = body.insertRow(); row.className = line.kind;
      cell(row, when(line.at), "when");
      const what = cell(row, line.what, "what");
      if (line.note) what.append(element("span", "note", " " + line.note));
      const state = row.insertCell(); state.className = "state";
      if (line.delivery) { const badge = element("span", "delivery delivery-" + line.delivery, w.deliveries[line.delivery] ?? line.delivery); badge.dataset.delivery = line.delivery; state.append(badge); }
    }
    section.hidden = false;
    section.dataset.ticket = detail.id;
  }

  async function openDetail(id) {
    shown = id;
    showDetail(await get("/tickets/" + encodeURIComponent(id)));
    document.getElementById("detail").scrollIntoView({ block: "start" });
  }
  document.getElementById("detail-close").onclick = () => { shown = undefined; document.getElementById("detail").hidden = true; };

  async function load() {
    const [tickets, feedback, held, flagged] = await Promise.all(["/tickets", "/feedback", "/quarantine", "/flags"].map(get));
    document.getElementById("clock").textContent = tickets.now ? w.now + ": " + tickets.now : "";
    const open = (tickets.tickets ?? []).filter((t) => t.status === "open").slice(0, 100);
    const details = await Promise.all(open.map((t) => get("/tickets/" + t.id)));
    const scale = Math.max(1, ...details.map((d) => d.businessHoursOpen ?? 0));
    const body = document.querySelector("#tickets tbody");
    body.replaceChildren();
    open.forEach((t, i) => {
      const row = body.insertRow();
      row.dataset.ticket = t.id;
      if (t.overdue) row.className = "overdue";
      const id = row.insertCell(); const button = element("button", "open", t.id);
      button.title = w.details; button.onclick = () => openDetail(t.id); id.append(button);
      cell(row, t.client); cell(row, t.subject); cell(row, t.silenceBusinessHours, "silence");
      const td = row.insertCell(); td.className = "timeline";
      if (details[i]?.messages) td.append(timeline(details[i], scale));
    });
    if (shown) showDetail(details.find((d) => d.id === shown) ?? (await get("/tickets/" + encodeURIComponent(shown))));
    const lists = Object.fromEntries(["held", "flags", "ratings", "ideas"].map((id) => [id, document.getElementById(id)]));
    for (const list of Object.values(lists)) list.replaceChildren();
    for (const h of held.quarantine ?? []) {
      const id = encodeURIComponent(h.id);
      item(lists.held, when(h.at) + " · " + h.kind + " · " + (h.from ?? w.noSender) + " · «" + (h.subject ?? "") + "» · " + h.reason,
        [[w.release, "POST", "/quarantine/" + id + "/release"], [w.discard, "POST", "/quarantine/" + id + "/discard"]]);
    }
    for (const f of flagged.flags ?? [])
      item(lists.flags, f.address + " · " + f.reason + " · " + w.until + " " + when(f.until), [[w.clear, "DELETE", "/flags/" + encodeURIComponent(f.address)]]);
    for (const f of feedback.feedback ?? []) {
      item(lists.ratings, f.ticketId + ": " + "★".repeat(f.rating) + "☆".repeat(5 - f.rating) + (f.comment ? " — " + f.comment : ""), []);
      if (f.idea) item(lists.ideas, f.idea + " (" + f.ticketId + ")", []);
    }
    for (const [id, list] of Object.entries(lists))
      if (!list.children.length) { const li = document.createElement("li"); li.className = "empty"; li.append(text(w.empty[id])); list.append(li); }
    document.body.dataset.loaded = "true";
  }
  // Every read is a request to the API (one per open ticket): each minute on AWS, every 5 s locally.
  load(); setInterval(load, signIn ? 60000 : 5000);
`;
