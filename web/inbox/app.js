// The reviewers' inbox: lists interrupted threads, shows one thread's context, sends the reviewer's decisions.
// It speaks the Agent Protocol (the same endpoints as langgraph-sdk) with the API key in the configured header.
// Served by `supportgraph inbox`, the API is behind /api and /inbox/config says so; served by the API server
// itself, the API is the page's own origin. The review-queue index (priority, SLA, assignee) and assignment
// come from the routes the config names; without them the queue shows what the interrupts carry.
"use strict";

const PRIORITY_RANK = { urgent: 0, high: 1, normal: 2, low: 3 };
const DECISION_LABELS = {
  approve: "Approve",
  edit: "Edit, then approve",
  reject: "Reject",
  respond: "Answer the customer myself",
};
const $ = (selector) => document.querySelector(selector);

const inbox = {
  config: {
    key_header: "x-api-key",
    assistant_id: "support",
    api_base: "",
    reviews_url: "/reviews",
    assign_url: "/reviews/{thread_id}/assign",
  },
  threads: [],
  current: null, // { threadId, request, state }
};

// ---- talking to the API --------------------------------------------------------------------------------------

function headers() {
  const h = { "content-type": "application/json" };
  const key = $("#api-key").value.trim();
  if (key) h[inbox.config.key_header] = key;
  return h;
}

async function call(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: headers(),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch (_) {
    data = { detail: text };
  }
  if (!response.ok) {
    const reason = data && (data.detail || data.message || data.error);
    throw new Error(`${response.status}: ${typeof reason === "string" ? reason : JSON.stringify(reason || data)}`);
  }
  return data;
}

const api = {
  url: (path) => inbox.config.api_base + path,
  interrupted: () => call("POST", api.url("/threads/search"), { status: "interrupted", limit: 100 }),
  state: (threadId) => call("GET", api.url(`/threads/${encodeURIComponent(threadId)}/state`)),
  resume: (threadId, resume) =>
    call("POST", api.url(`/threads/${encodeURIComponent(threadId)}/runs/wait`), {
      assistant_id: inbox.config.assistant_id,
      command: { resume },
    }),
  // The review-queue index is an addition to the Agent Protocol: a host without it still gets a working queue.
  reviews: () =>
    call("GET", inbox.config.reviews_url).catch((error) => {
      notice(`Priority, SLA and assignment are unavailable (${error.message}).`, "warn");
      return { now: new Date().toISOString(), reviews: [] };
    }),
  assign: (threadId, reviewer) =>
    call("POST", inbox.config.assign_url.replace("{thread_id}", encodeURIComponent(threadId)), { reviewer }),
};

// The pending human-in-the-loop request of a thread or of its state, whichever shape the server uses.
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

// ---- small DOM helpers (text only: nothing from the API is ever parsed as HTML) -------------------------------

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

function short(value, limit = 140) {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  if (text === undefined) return "";
  return text.length <= limit ? text : text.slice(0, limit - 1) + "…";
}

function duration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  if (hours >= 24) return `${Math.floor(hours / 24)}d ${hours % 24}h`;
  return hours ? `${hours}h ${String(minutes).padStart(2, "0")}m` : `${minutes}m`;
}

function notice(text, kind = "info") {
  const node = $("#notice");
  node.textContent = text;
  node.className = kind;
  node.hidden = !text;
}

// ---- the queue ----------------------------------------------------------------------------------------------

async function loadQueue() {
  localStorage.setItem("inbox.reviewer", $("#reviewer").value.trim());
  const threads = await api.interrupted();
  const index = await api.reviews();
  const list = Array.isArray(index) ? index : index.reviews || [];
  const reviews = new Map(list.map((r) => [r.thread_id, r]));
  const now = index.now ? Date.parse(index.now) : Date.now();
  inbox.threads = threads
    .map((thread) => {
      const request = pendingRequest(thread);
      const context = (request && request.context) || {};
      const review = reviews.get(thread.thread_id);
      const created = review ? Date.parse(review.created_at) : Date.parse(thread.updated_at);
      return {
        threadId: thread.thread_id,
        queue: review ? review.queue : context.queue || "general",
        priority: review ? review.priority : "normal",
        customer: review ? review.customer_id : context.customer && context.customer.customer_id,
        waiting: (now - created) / 1000,
        slaLeft: !review ? null : review.sla_seconds_left ?? (review.sla_due_at ? (Date.parse(review.sla_due_at) - now) / 1000 : null),
        assignedTo: review ? review.assigned_to : null,
        reasons: review ? review.reasons : context.reasons || [],
        summary: review ? review.summary : context.latest_message || "",
        created,
      };
    })
    .filter((t) => !$("#queue-filter").value || t.queue === $("#queue-filter").value)
    .sort((a, b) => (PRIORITY_RANK[a.priority] ?? 9) - (PRIORITY_RANK[b.priority] ?? 9) || a.created - b.created);
  renderQueue();
}

function renderQueue() {
  const body = $("#queue tbody");
  body.replaceChildren(
    ...inbox.threads.map((t) => {
      const sla =
        t.slaLeft === null ? "—" : t.slaLeft >= 0 ? `due in ${duration(t.slaLeft)}` : `overdue ${duration(-t.slaLeft)}`;
      const row = el(
        "tr",
        {
          "data-thread": t.threadId,
          class: `priority-${t.priority}${inbox.current && inbox.current.threadId === t.threadId ? " selected" : ""}`,
          tabindex: "0",
          onclick: guarded(() => openThread(t.threadId)),
          onkeydown: guarded((e) => (e.key === "Enter" ? openThread(t.threadId) : undefined)),
        },
        el("td", {}, el("span", { class: `badge ${t.priority}`, text: t.priority })),
        el("td", { text: t.queue }),
        el("td", { text: t.customer || "not identified" }),
        el("td", { class: "age", text: duration(t.waiting) }),
        el("td", { class: t.slaLeft !== null && t.slaLeft < 0 ? "overdue" : "", text: sla }),
        el("td", { class: "assignee", text: t.assignedTo || "—" }),
        el("td", { title: t.summary, text: short(t.reasons.join("; "), 90) }),
      );
      return row;
    }),
  );
  $("#queue-count").textContent = `(${inbox.threads.length})`;
  $("#queue-empty").hidden = inbox.threads.length > 0;
}

// ---- one thread ---------------------------------------------------------------------------------------------

async function openThread(threadId) {
  notice("");
  const state = await api.state(threadId);
  const request = pendingRequest(state);
  if (!request) {
    notice(`Thread ${threadId} is no longer waiting for review.`, "warn");
    await refresh();
    return;
  }
  inbox.current = { threadId, request, state };
  renderThread();
  renderQueue();
}

function renderThread() {
  const { threadId, request } = inbox.current;
  const ctx = request.context || {};
  const entry = inbox.threads.find((t) => t.threadId === threadId);
  $("#detail").hidden = false;
  $("#detail").dataset.thread = threadId;
  $("#outcome").hidden = true;
  $("#detail-title").textContent = `Thread ${threadId}`;
  $("#detail-meta").textContent =
    `queue ${ctx.queue || "general"} · turn ${ctx.turn ?? "?"}` +
    (entry ? ` · priority ${entry.priority} · waiting ${duration(entry.waiting)}` : "") +
    (entry && entry.assignedTo ? ` · assigned to ${entry.assignedTo}` : " · unassigned");

  const c = ctx.customer;
  $("#customer").textContent = c
    ? `${c.name} (${c.customer_id})${c.plan ? ` · plan ${typeof c.plan === "object" ? c.plan.name || c.plan.id : c.plan}` : ""} · ` +
      (c.verified ? `verified by ${c.verified_by}` : "not verified")
    : "not identified";
  $("#summary").textContent = ctx.summary || ctx.latest_message || "";
  $("#conversation").replaceChildren(
    ...(ctx.conversation || []).map((m) =>
      el("li", { class: m.role }, el("strong", { text: `${m.role}: ` }), document.createTextNode(m.text)),
    ),
  );
  $("#reasons").replaceChildren(...(ctx.reasons || []).map((r) => el("li", { text: r })));
  const conf = typeof ctx.confidence === "number" ? ctx.confidence.toFixed(2) : "—";
  const threshold = typeof ctx.threshold === "number" ? ctx.threshold.toFixed(2) : "—";
  const s = ctx.sentiment;
  $("#confidence").textContent =
    `${conf} (threshold ${threshold})` + (s ? ` · sentiment ${s.label} ${Number(s.score).toFixed(2)}` : "");
  $("#signals tbody").replaceChildren(
    ...Object.entries(ctx.signals || {}).map(([name, value]) =>
      el(
        "tr",
        { "data-signal": name },
        el("th", { text: name.replaceAll("_", " ") }),
        el("td", {}, el("meter", { min: "0", max: "1", value: String(value) })),
        el("td", { text: Number(value).toFixed(2) }),
      ),
    ),
  );
  $("#intents").replaceChildren(
    ...(ctx.intents || []).map((i) => el("li", { text: `${i.intent} (${Number(i.confidence).toFixed(2)})` })),
  );
  $("#rationale").textContent = ctx.rationale || "";
  $("#entities").textContent = JSON.stringify(ctx.entities || {}, null, 1);
  $("#plan tbody").replaceChildren(
    ...(ctx.plan || []).map((step) =>
      el(
        "tr",
        { "data-step": step.id, class: `status-${step.status}` },
        el("td", { text: step.id }),
        el("td", { title: step.why, text: step.tool }),
        el("td", {}, el("code", { text: short(step.args, 200) })),
        el("td", { text: step.status + (step.hold_reason ? `: ${step.hold_reason}` : "") }),
        el("td", { text: step.error ? step.error : step.result === null ? "" : short(step.result, 200) }),
      ),
    ),
  );
  $("#plan").hidden = !(ctx.plan || []).length;
  renderDecisions(request);
}

// ---- the decision form, one fieldset per proposed action ----------------------------------------------------

// The exact money an approval moves (charge, amount, destination), as the review payload's fields.
function effectRows(effect) {
  if (!effect) return [];
  const money = (v) => `$${Number(v).toFixed(2)}`;
  const rows = effect.movements.map((m) =>
    el("li", { text: `${money(m.amount)} of ${m.charge_id || "account credit"} (${m.payment_method}) to ${m.to.replaceAll("_", " ")}` }));
  return [
    el("p", { class: "effect", text: `Approving moves ${money(effect.amount)}:` }),
    el("ul", { class: "effect" }, ...rows),
  ];
}

function renderDecisions(request) {
  const form = $("#decisions");
  const fieldsets = request.action_requests.map((action, n) => {
    const config = request.review_configs.find((c) => c.action_name === action.name) || request.review_configs[n];
    const allowed = config.allowed_decisions;
    const choice = el("div", { class: "choices" });
    for (const kind of allowed) {
      choice.append(
        el(
          "label",
          {},
          el("input", {
            type: "radio",
            name: `decision-${n}`,
            value: kind,
            checked: kind === allowed[0],
            onchange: () => showPanel(n, kind),
          }),
          ` ${DECISION_LABELS[kind] || kind}`,
        ),
      );
    }
    return el(
      "fieldset",
      { "data-action": String(n), "data-name": action.name },
      el("legend", { text: action.name }),
      el("p", { class: "description", text: action.description || "" }),
      el("pre", { class: "args", text: JSON.stringify(action.args, null, 2) }),
      ...effectRows((request.context.effects || [])[n]),
      choice,
      el("div", { class: "panel", "data-for": "edit", hidden: true }, ...argFields(n, action, config.args_schema)),
      el(
        "div",
        { class: "panel", "data-for": "reject", hidden: true },
        el("label", {}, "Reason (the customer sees it)", el("textarea", { name: `reason-${n}`, maxlength: "8000" })),
      ),
      el(
        "div",
        { class: "panel", "data-for": "respond", hidden: true },
        el(
          "label",
          {},
          "Your answer to the customer",
          el("textarea", { name: `message-${n}`, maxlength: "8000" }),
        ),
      ),
    );
  });
  const respondable = request.review_configs.some((c) => c.allowed_decisions.includes("respond"));
  form.replaceChildren(
    ...fieldsets,
    respondable
      ? el(
          "p",
          { class: "ownership" },
          el("label", {}, el("input", { type: "checkbox", name: "take_over" }), " take this thread over"),
          el("label", {}, el("input", { type: "checkbox", name: "hand_back" }), " hand it back to the agent"),
        )
      : null,
    el("button", { type: "submit", id: "send-decision", text: "Send decision" }),
  );
  request.action_requests.forEach((_, n) => showPanel(n, form.querySelector(`[name="decision-${n}"]:checked`).value));
}

function showPanel(n, kind) {
  for (const panel of document.querySelectorAll(`fieldset[data-action="${n}"] .panel`)) {
    panel.hidden = panel.dataset.for !== kind;
  }
}

// A JSON-schema property, resolved: $ref followed, nullability and the non-null variants split out.
function resolveProperty(schema, root) {
  const deref = (s) => (s && s.$ref ? (root.$defs || {})[s.$ref.split("/").pop()] || {} : s || {});
  const flatten = (s) => {
    const resolved = deref(s);
    const options = resolved.anyOf || resolved.oneOf;
    return options ? options.flatMap(flatten) : [resolved];
  };
  const prop = deref(schema);
  const variants = flatten(prop);
  const nullable = variants.some((v) => v.type === "null");
  const types = variants.filter((v) => v.type !== "null");
  return { prop, types, nullable };
}

function argFields(n, action, schema) {
  const root = schema || { properties: {} };
  const required = new Set(root.required || []);
  const names = new Set([...Object.keys(root.properties || {}), ...Object.keys(action.args || {})]);
  return [...names].map((name) => {
    const { prop, types, nullable } = resolveProperty((root.properties || {})[name] || {}, root);
    const value = (action.args || {})[name];
    const first = types[0] || {};
    const kinds = new Set(types.map((t) => t.type));
    const field = `arg-${n}-${name}`;
    let input;
    let kind;
    if (first.enum) {
      kind = "enum";
      input = el("select", { name: field }, ...first.enum.map((v) => el("option", { value: v, selected: v === value, text: v })));
    } else if (kinds.has("boolean") && kinds.size === 1) {
      kind = "boolean";
      input = el("input", { type: "checkbox", name: field, checked: Boolean(value) });
    } else if (kinds.has("number") || kinds.has("integer")) {
      kind = kinds.has("number") ? "number" : "integer";
      const bounds = types.find((t) => t.type === "number" || t.type === "integer");
      input = el("input", {
        type: "number",
        name: field,
        step: kind === "integer" ? "1" : "0.01",
        min: bounds.minimum ?? (bounds.exclusiveMinimum !== undefined ? bounds.exclusiveMinimum : undefined),
        max: bounds.maximum,
        value: value === null || value === undefined ? "" : String(value),
      });
    } else if (kinds.has("string") && kinds.size === 1) {
      kind = "string";
      const long = (first.maxLength || 0) > 200 || (typeof value === "string" && value.length > 60);
      input = long
        ? el("textarea", { name: field, maxlength: first.maxLength, text: value ?? "" })
        : el("input", { type: "text", name: field, maxlength: first.maxLength, value: value ?? "" });
    } else {
      kind = "json";
      input = el("textarea", { name: field, class: "json", text: JSON.stringify(value ?? null, null, 1) });
    }
    input.dataset.kind = kind;
    input.dataset.arg = name;
    input.dataset.nullable = String(nullable || !required.has(name));
    const help = prop.description || first.description || "";
    return el(
      "label",
      { class: "arg" },
      el("span", { class: "arg-name", text: name + (required.has(name) ? " *" : "") }),
      input,
      help ? el("small", { text: help }) : null,
    );
  });
}

function editedArgs(n) {
  const args = {};
  for (const input of document.querySelectorAll(`fieldset[data-action="${n}"] [data-arg]`)) {
    const name = input.dataset.arg;
    const empty = input.value === "" && input.dataset.kind !== "boolean";
    if (empty && input.dataset.nullable === "true") {
      args[name] = null;
      continue;
    }
    switch (input.dataset.kind) {
      case "boolean":
        args[name] = input.checked;
        break;
      case "number":
      case "integer":
        if (Number.isNaN(Number(input.value)) || input.value === "") throw new Error(`${name} must be a number`);
        args[name] = Number(input.value);
        break;
      case "json":
        try {
          args[name] = JSON.parse(input.value);
        } catch (_) {
          throw new Error(`${name} is not valid JSON`);
        }
        break;
      default:
        args[name] = input.value;
    }
  }
  return args;
}

function collectDecisions() {
  const { request } = inbox.current;
  const form = $("#decisions");
  return request.action_requests.map((action, n) => {
    const kind = form.querySelector(`[name="decision-${n}"]:checked`).value;
    if (kind === "edit") return { type: "edit", edited_action: { name: action.name, args: editedArgs(n) } };
    if (kind === "reject") {
      const reason = form.querySelector(`[name="reason-${n}"]`).value.trim();
      return reason ? { type: "reject", message: reason } : { type: "reject" };
    }
    if (kind === "respond") {
      const message = form.querySelector(`[name="message-${n}"]`).value.trim();
      if (!message) throw new Error("write the answer the customer will receive");
      return { type: "respond", message };
    }
    return { type: "approve" };
  });
}

async function sendDecision(event) {
  event.preventDefault();
  const { threadId, request } = inbox.current;
  const form = $("#decisions");
  const reviewer = $("#reviewer").value.trim();
  if (!reviewer) throw new Error("enter your name first: it goes into the audit log");
  const resume = {
    decisions: collectDecisions(),
    reviewer,
    turn: (request.context || {}).turn,
    take_over: Boolean(form.querySelector('[name="take_over"]')?.checked),
    hand_back: Boolean(form.querySelector('[name="hand_back"]')?.checked),
  };
  const button = $("#send-decision");
  button.disabled = true;
  let values;
  try {
    values = await api.resume(threadId, resume);
  } finally {
    button.disabled = false;
  }
  if (values && values.__error__) throw new Error(values.__error__.message || JSON.stringify(values.__error__));
  showOutcome(threadId, values || {});
  await refresh();
}

// The API serves the agent's messages as markdown ("$" escaped so math renderers leave amounts alone); this page
// shows them as plain text.
function plainText(markdown) {
  return String(markdown).replace(/\\([\\$])/g, "$1");
}

function showOutcome(threadId, values) {
  const messages = values.messages || [];
  const last = [...messages].reverse().find((m) => m.type === "ai");
  const outcome = $("#outcome");
  outcome.replaceChildren(
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

async function refresh() {
  await loadQueue();
  if (inbox.current && !inbox.threads.some((t) => t.threadId === inbox.current.threadId)) {
    inbox.current = null;
    $("#detail").hidden = true;
  }
}

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
    /* served by the API server itself: keep the defaults */
  }
  $("#reviewer").value = localStorage.getItem("inbox.reviewer") || "";
  $("#signin").addEventListener("submit", guarded(async (e) => {
    e.preventDefault();
    notice("");
    await refresh();
  }));
  $("#queue-filter").addEventListener("change", guarded(refresh));
  $("#decisions").addEventListener("submit", guarded(sendDecision));
  $("#assign-me").addEventListener("click", guarded(async () => {
    const reviewer = $("#reviewer").value.trim();
    if (!reviewer) throw new Error("enter your name first");
    const { threadId } = inbox.current;
    // The API's key decides who "me" is (the inbox checks the name against it); the name matters only in front
    // of an API without keys.
    const assigned = await api.assign(threadId, reviewer);
    notice(`Thread ${threadId} is assigned to ${(assigned && assigned.assigned_to) || reviewer}.`);
    await refresh();
    renderThread();
  }));
}

start();
