// The reviewers' inbox: who the key is, the live queue (a long poll on the queue's change token), the workload,
// one thread's context, the decision sent as the key's own identity, and keyboard shortcuts.
// It speaks the Agent Protocol (the same endpoints as langgraph-sdk) with the API key in the configured header;
// the review-queue routes (/inbox/…) are the inbox's own additions (supportgraph/inbox.py).
"use strict";

const PRIORITY_RANK = { urgent: 0, high: 1, normal: 2, low: 3 };
const LIVE_WAIT_SECONDS = 20;

const inbox = {
  config: { key_header: "x-api-key", assistant_id: "support", api_base: "/api", signals: {}, queues: [], priorities: [] },
  key: "",
  who: null, // { name, role, queues } as the API knows the key; { name: null } for an API without keys
  session: 0, // bumped on every sign-in: answers for an earlier key are dropped
  token: null,
  threads: [],
  decided: [],
  current: null, // { threadId, request, state, history }
  seen: new Set(),
};

// ---- talking to the API --------------------------------------------------------------------------------------

async function call(method, path, body, signal) {
  const headers = { "content-type": "application/json" };
  if (inbox.key) headers[inbox.config.key_header] = inbox.key;
  const response = await fetch(path, { method, headers, signal, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch (_) {
    data = { detail: text };
  }
  if (!response.ok) {
    const reason = data && (data.detail || data.message || data.error);
    const error = new Error(`${response.status}: ${typeof reason === "string" ? reason : JSON.stringify(reason || data)}`);
    error.status = response.status;
    throw error;
  }
  return data;
}

const at = (template, threadId) => template.replace("{thread_id}", encodeURIComponent(threadId));
const api = {
  whoami: () => call("GET", `${inbox.config.api_base}/whoami`),
  state: (id) => call("GET", `${inbox.config.api_base}/threads/${encodeURIComponent(id)}/state`),
  resume: (id, resume) =>
    call("POST", `${inbox.config.api_base}/threads/${encodeURIComponent(id)}/runs/wait`, { assistant_id: inbox.config.assistant_id, command: { resume } }),
  reviews: (params, signal) => call("GET", `${inbox.config.reviews_url}?${new URLSearchParams(params)}`, undefined, signal),
  assign: (id) => call("POST", at(inbox.config.assign_url, id), inbox.who && inbox.who.name ? {} : { reviewer: reviewerName() }),
  customer: (id) => call("GET", at(inbox.config.customer_url, id)),
  workload: () => call("GET", inbox.config.workload_url),
};

function reviewerName() {
  if (inbox.who && inbox.who.name) return inbox.who.name; // the key's own identity: nothing typed
  const typed = $("#reviewer").value.trim();
  if (!typed) throw new Error("this API has no keys: enter your name (it goes into the audit log)");
  return typed;
}

// The pending human-in-the-loop request of a thread's state.
function pendingRequest(source) {
  const lists = [];
  if (Array.isArray(source.interrupts)) lists.push(source.interrupts);
  else if (source.interrupts && typeof source.interrupts === "object") lists.push(...Object.values(source.interrupts));
  for (const task of source.tasks || []) lists.push(task.interrupts || []);
  for (const list of lists) {
    for (const item of list || []) {
      const value = item && item.value;
      if (value && Array.isArray(value.action_requests) && Array.isArray(value.review_configs)) return value;
    }
  }
  return null;
}

function notice(text, kind = "info") {
  const node = $("#notice");
  node.textContent = text;
  node.className = kind;
  node.hidden = !text;
}

// ---- signing in: the key says who you are; a new key starts from an empty page ------------------------------

function clearView() {
  inbox.threads = [];
  inbox.decided = [];
  inbox.current = null;
  inbox.token = null;
  inbox.seen = new Set();
  $("#queue tbody").replaceChildren();
  $("#decided ul").replaceChildren();
  $("#queue-count").textContent = "";
  $("#detail").hidden = true;
  $("#detail").dataset.thread = "";
  $("#decisions").replaceChildren();
  $("#outcome").hidden = true;
  $("#workload").hidden = true;
  $("#whoami").textContent = "";
  document.title = "supportgraph · reviewers' inbox";
}

async function signIn() {
  const session = ++inbox.session;
  inbox.key = $("#api-key").value.trim();
  clearView();
  notice("");
  let who;
  try {
    who = await api.whoami();
  } catch (error) {
    if (error.status !== 404) throw error;
    who = { name: null, role: null, queues: null }; // langgraph dev: no keys, no identities
  }
  if (session !== inbox.session) return;
  inbox.who = who;
  $("#name-field").hidden = Boolean(who.name);
  $("#whoami").textContent = who.name ? `${who.name} · ${who.role}${who.queues && who.queues.length ? ` · ${who.queues.join(", ")}` : ""}` : "no identity (API without keys)";
  await refreshQueue(session);
  refreshWorkload(session);
  live(session);
}

// ---- the live queue -------------------------------------------------------------------------------------------

function filters() {
  const f = { q: $("#f-q").value.trim(), queue: $("#f-queue").value, priority: $("#f-priority").value, customer: $("#f-customer").value.trim(), intent: $("#f-intent").value };
  if ($("#f-breached").checked) f.breached = "1";
  return Object.fromEntries(Object.entries(f).filter(([, v]) => v));
}

function accept(answer) {
  inbox.token = answer.token;
  const now = Date.parse(answer.now);
  inbox.threads = answer.reviews
    .map((r) => ({ ...r, waiting: r.age_seconds, slaLeft: r.sla_seconds_left, created: Date.parse(r.created_at), now }))
    .sort((a, b) => (PRIORITY_RANK[a.priority] ?? 9) - (PRIORITY_RANK[b.priority] ?? 9) || a.created - b.created);
  const known = new Set(inbox.threads.map((t) => t.thread_id));
  const decidedNow = answer.decided || [];
  // The open thread left the queue because someone else decided it (not while this page sends its own decision).
  if (inbox.current && !inbox.current.sending && !known.has(inbox.current.threadId)) {
    const by = decidedNow.find((d) => d.thread_id === inbox.current.threadId);
    notice(`Thread ${inbox.current.threadId} left the queue${by ? `: ${by.reviewer} decided it (${by.decisions.join(", ")})` : ""}.`, "warn");
    closeThread();
  }
  inbox.decided = decidedNow;
  intentsChoice(answer.reviews);
  renderQueue(answer.total);
}

async function refreshQueue(session = inbox.session) {
  const answer = await api.reviews(filters());
  if (session === inbox.session) accept(answer);
}

async function live(session) {
  $("#live").hidden = false;
  while (session === inbox.session) {
    try {
      $("#live").textContent = "● live";
      $("#live").className = "live";
      const asked = JSON.stringify(filters());
      const answer = await api.reviews({ ...filters(), after: inbox.token || "", wait: String(LIVE_WAIT_SECONDS) });
      if (session !== inbox.session) return;
      if (answer && answer.changed && asked === JSON.stringify(filters())) {
        accept(answer);
        refreshWorkload(session);
      }
      // A review whose thread the API does not list yet (its run is finishing): look again in a moment.
      if (answer && answer.settling) await new Promise((done) => setTimeout(done, 1000));
    } catch (error) {
      if (session !== inbox.session) return;
      $("#live").textContent = "● reconnecting";
      $("#live").className = "live down";
      await new Promise((done) => setTimeout(done, 3000));
    }
  }
}

function intentsChoice(reviews) {
  const select = $("#f-intent");
  const chosen = select.value;
  const intents = [...new Set(reviews.flatMap((r) => r.intents || []).concat(chosen ? [chosen] : []))].sort();
  select.replaceChildren(el("option", { value: "", text: "all" }), ...intents.map((i) => el("option", { value: i, text: words(i), selected: i === chosen })));
}

function renderQueue(total) {
  const mine = inbox.who && inbox.who.name;
  $("#queue tbody").replaceChildren(
    ...inbox.threads.map((t) => {
      const sla = t.slaLeft >= 0 ? `due in ${duration(t.slaLeft)}` : `overdue ${duration(-t.slaLeft)}`;
      const fresh = inbox.seen.size > 0 && !inbox.seen.has(t.thread_id);
      const classes = [`priority-${t.priority}`, inbox.current && inbox.current.threadId === t.thread_id ? "selected" : "", fresh ? "fresh" : "", t.assigned_to && t.assigned_to === mine ? "mine" : ""];
      return el(
        "tr",
        {
          "data-thread": t.thread_id,
          class: classes.filter(Boolean).join(" "),
          tabindex: "0",
          "aria-label": `${t.priority} ${t.queue} review of ${t.customer_id || "an unidentified customer"}, ${sla}`,
          onclick: guarded(() => openThread(t.thread_id)),
          onkeydown: guarded((e) => (e.key === "Enter" ? openThread(t.thread_id) : undefined)),
        },
        el("td", { "data-label": "Priority" }, el("span", { class: `badge ${t.priority}`, text: t.priority })),
        el("td", { "data-label": "Queue", text: t.queue }),
        el("td", { "data-label": "Customer", text: t.customer_id || "not identified" }),
        el("td", { "data-label": "Waiting", class: "age", text: duration(t.waiting) }),
        el("td", { "data-label": "SLA", class: t.slaLeft < 0 ? "sla overdue" : "sla", text: sla }),
        el("td", { "data-label": "Assigned", class: "assignee", text: t.assigned_to || "—" }),
        el("td", { "data-label": "Why", class: "why", title: t.summary, text: t.reasons.join("; ") }),
      );
    }),
  );
  inbox.threads.forEach((t) => inbox.seen.add(t.thread_id));
  if (!inbox.seen.size) inbox.seen.add("");
  const shown = inbox.threads.length;
  $("#queue-count").textContent = total !== undefined && total !== shown ? `${shown} of ${total}` : String(shown);
  document.title = `(${total ?? shown}) supportgraph · reviewers' inbox`;
  $("#queue-empty").hidden = shown > 0;
  $("#decided-count").textContent = `(${inbox.decided.length})`;
  $("#decided ul").replaceChildren(
    ...inbox.decided.map((d) => el("li", { "data-thread": d.thread_id, text: `${d.reviewer || "someone"}: ${d.decisions.join(", ") || "decided"} · ${d.queue} · ${d.customer_id || ""} · ${new Date(d.decided_at).toLocaleTimeString()}` })),
  );
}

async function refreshWorkload(session = inbox.session) {
  let load;
  try {
    load = await api.workload();
  } catch (error) {
    return; // the queue says what went wrong; the panel just stays as it was
  }
  if (session !== inbox.session) return;
  $("#workload").hidden = false;
  $("#load-waiting").textContent = `${load.waiting}` + (Object.keys(load.waiting_by_queue).length ? ` (${Object.entries(load.waiting_by_queue).map(([q, n]) => `${q} ${n}`).join(", ")})` : "");
  $("#load-unassigned").textContent = String(load.unassigned);
  $("#load-oldest").textContent = load.oldest_seconds === null ? "–" : duration(load.oldest_seconds);
  $("#load-decided").textContent = String(load.decided_today);
  $("#load-reviewers tbody").replaceChildren(
    ...load.reviewers.map((r) =>
      el("tr", { class: r.reviewer === load.me ? "mine" : "" }, el("th", { scope: "row", text: r.reviewer }), el("td", { text: String(r.decided_today) }), el("td", { text: String(r.assigned_waiting) }), el("td", { text: r.median_seconds_to_decide === null ? "–" : duration(r.median_seconds_to_decide) })),
    ),
  );
}

// ---- one thread ---------------------------------------------------------------------------------------------

async function openThread(threadId) {
  const session = inbox.session;
  notice("");
  const state = await api.state(threadId);
  const request = pendingRequest(state);
  if (session !== inbox.session) return;
  if (!request) {
    notice(`Thread ${threadId} is no longer waiting for review.`, "warn");
    await refreshQueue();
    return;
  }
  inbox.current = { threadId, request, state, history: null };
  renderThread();
  renderQueue();
  api.customer(threadId).then(
    (history) => {
      if (session !== inbox.session || !inbox.current || inbox.current.threadId !== threadId) return;
      inbox.current.history = history;
      renderCustomer(request.context || {}, history);
      renderHistory(history);
    },
    (error) => renderHistory({ orders_error: `history unavailable (${error.message})`, detail: "unavailable" }),
  );
}

function closeThread() {
  inbox.current = null;
  $("#detail").hidden = true;
  $("#detail").dataset.thread = "";
  $("#decisions").replaceChildren();
}

function renderThread() {
  const { threadId, request } = inbox.current;
  const ctx = request.context || {};
  const entry = inbox.threads.find((t) => t.thread_id === threadId);
  const c = ctx.customer || {};
  $("#detail").hidden = false;
  $("#detail").dataset.thread = threadId;
  $("#outcome").hidden = true;
  $("#detail-title").textContent = `${c.name || c.customer_id || "Unidentified customer"} · ${threadId}`;
  $("#detail-meta").textContent =
    `queue ${ctx.queue || "general"} · turn ${ctx.turn ?? "?"}` +
    (entry ? ` · priority ${entry.priority} · waiting ${duration(entry.waiting)} · ${entry.slaLeft >= 0 ? `SLA due in ${duration(entry.slaLeft)}` : `SLA overdue ${duration(-entry.slaLeft)}`}` : "") +
    (entry && entry.assigned_to ? ` · assigned to ${entry.assigned_to}` : " · unassigned");
  renderCustomer(ctx, null);
  renderHistory(null);
  renderContext(ctx, inbox.config.signals || {});
  renderDecisions(request);
  $("#detail").scrollIntoView({ block: "nearest" });
}

async function sendDecision(event) {
  if (event) event.preventDefault();
  if (!inbox.current) return;
  const { threadId, request } = inbox.current;
  const form = $("#decisions");
  const resume = {
    decisions: collectDecisions(request),
    reviewer: reviewerName(), // with keys the server records the key's own name whatever is sent
    turn: (request.context || {}).turn,
    take_over: Boolean(form.querySelector('[name="take_over"]')?.checked),
    hand_back: Boolean(form.querySelector('[name="hand_back"]')?.checked),
  };
  const button = $("#send-decision");
  button.disabled = true;
  inbox.current.sending = true;
  let values;
  try {
    values = await api.resume(threadId, resume);
  } finally {
    button.disabled = false;
    if (inbox.current) inbox.current.sending = false;
  }
  if (values && values.__error__) throw new Error(values.__error__.message || JSON.stringify(values.__error__));
  showOutcome(threadId, values || {});
  await refreshQueue();
  refreshWorkload();
}

function showOutcome(threadId, values) {
  const messages = values.messages || [];
  const last = [...messages].reverse().find((m) => m.type === "ai");
  const outcome = $("#outcome");
  fill(
    outcome,
    el("h3", { text: "Decision sent" }),
    el("p", { id: "outcome-status", text: `Thread ${threadId} is now ${values.status || "updated"}.` }),
    last ? el("p", { id: "outcome-reply" }, el("strong", { text: "Reply to the customer: " }), plainText(last.content)) : null,
  );
  outcome.hidden = false;
  $("#decisions").replaceChildren();
  inbox.current = null;
  $("#detail").dataset.thread = "";
}

// ---- wiring -------------------------------------------------------------------------------------------------

function guarded(fn) {
  return async (event) => {
    try {
      await fn(event);
    } catch (error) {
      if (event && event.preventDefault) event.preventDefault();
      notice(error.message, "error");
    }
  };
}

async function start() {
  try {
    const response = await fetch("/inbox/config");
    if (response.ok) inbox.config = { ...inbox.config, ...(await response.json()) };
  } catch (_) {
    /* keep the defaults */
  }
  for (const q of inbox.config.queues || []) $("#f-queue").append(el("option", { value: q, text: q }));
  for (const p of inbox.config.priorities || []) $("#f-priority").append(el("option", { value: p, text: p }));
  $("#signin").addEventListener("submit", guarded(async (e) => {
    e.preventDefault();
    await signIn();
  }));
  // A different key is a different person: nothing of the previous one stays on screen.
  $("#api-key").addEventListener("input", () => {
    if (inbox.key && $("#api-key").value.trim() !== inbox.key) {
      inbox.session++;
      inbox.key = "";
      inbox.who = null;
      clearView();
      notice("Sign in with the new key.");
    }
  });
  const refilter = guarded(() => inbox.key !== undefined && inbox.who && refreshQueue());
  for (const id of ["#f-queue", "#f-priority", "#f-intent", "#f-breached"]) $(id).addEventListener("change", refilter);
  for (const id of ["#f-q", "#f-customer"]) $(id).addEventListener("input", refilter);
  $("#filters").addEventListener("submit", (e) => e.preventDefault());
  $("#decisions").addEventListener("submit", guarded(sendDecision));
  document.addEventListener("keydown", guarded(onKey));
  $("#assign-me").addEventListener("click", guarded(async () => {
    const { threadId } = inbox.current;
    const assigned = await api.assign(threadId);
    notice(`Thread ${threadId} is assigned to ${assigned.assigned_to}.`);
    await refreshQueue();
    renderThread();
  }));
}

start();
