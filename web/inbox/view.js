// What the inbox shows, as DOM: small helpers, tables of any tool result, the money card, a thread's context and
// its customer's history. Text only: nothing from the API is ever parsed as HTML.
"use strict";

const $ = (selector) => document.querySelector(selector);

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

// replaceChildren, leaving out the parts that are not there (the DOM would write them as "null").
function fill(node, ...children) {
  node.replaceChildren(...children.filter((c) => c !== null && c !== undefined));
}

function words(name) {
  const text = String(name).replaceAll("_", " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
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

const money = (v) => `$${Number(v).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const day = (iso) => (iso ? String(iso).slice(0, 10) : "");

// The API serves the agent's messages as markdown ("$" escaped so math renderers leave amounts alone).
function plainText(markdown) {
  return String(markdown).replace(/\\([\\$])/g, "$1");
}

// ---- any value as a table: objects as field/value rows, lists of objects as rows with their fields as columns --

function scalar(value) {
  if (value === null || value === undefined) return "—";
  if (typeof value === "boolean") return value ? "yes" : "no";
  return String(value);
}

function valueNode(value, depth = 0) {
  if (Array.isArray(value)) {
    if (!value.length) return document.createTextNode("none");
    if (value.every((v) => v && typeof v === "object" && !Array.isArray(v)) && depth < 3) return listTable(value, depth);
    return document.createTextNode(value.map((v) => (typeof v === "object" ? short(v, 80) : scalar(v))).join(", "));
  }
  if (value && typeof value === "object") return depth < 3 ? objectTable(value, depth) : el("code", { text: short(value) });
  return document.createTextNode(scalar(value));
}

function objectTable(object, depth = 0) {
  return el(
    "table",
    { class: "data" },
    el("tbody", {}, ...Object.entries(object).map(([k, v]) => el("tr", {}, el("th", { scope: "row", text: words(k) }), el("td", {}, valueNode(v, depth + 1))))),
  );
}

function listTable(rows, depth = 0) {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return el(
    "table",
    { class: "data list" },
    el("thead", {}, el("tr", {}, ...columns.map((c) => el("th", { scope: "col", text: words(c) })))),
    el("tbody", {}, ...rows.map((r) => el("tr", {}, ...columns.map((c) => el("td", {}, valueNode(r[c], depth + 1)))))),
  );
}

// ---- the money an approval moves: exactly the effect the approval binds (context.effects[i]) ----------------

const DESTINATIONS = {
  original_payment_method: "back to the original payment method",
  gift_card: "to a gift card (store credit)",
  account_credit: "as account credit",
};

function moneyCard(effect) {
  if (!effect) return null;
  const where = (to) => DESTINATIONS[to] || String(to).replaceAll("_", " ");
  return el(
    "div",
    { class: "money-card", "data-amount": String(effect.amount), role: "group", "aria-label": "Money this approval moves" },
    el("p", { class: "amount" }, el("span", { class: "label", text: "Moves " }), el("strong", { class: "moves", text: money(effect.amount) })),
    el("p", { class: "where", text: (effect.order_id ? `Order ${effect.order_id}, ` : "") + where(effect.to) }),
    el(
      "ul",
      { class: "movements" },
      ...effect.movements.map((m) =>
        el("li", { "data-charge": m.charge_id || "", text: `${money(m.amount)} of ${m.charge_id ? `charge ${m.charge_id}` : "account credit"} (${m.payment_method}) ${where(m.to)}` }),
      ),
    ),
    el("p", {
      class: "meta",
      text:
        `With it: ${effect.order_id ? `${money(effect.order_total_in_window)} refunded on this order, ` : ""}` +
        `${money(effect.customer_total_in_window)} to this customer in ${effect.window_days} days.` +
        (effect.over_limit ? ` ${words(effect.over_limit)}.` : ""),
    }),
  );
}

// ---- a thread's context ---------------------------------------------------------------------------------------

function renderCustomer(ctx, history) {
  const c = ctx.customer || {};
  const profile = (history && history.profile) || {};
  const name = profile.name || c.name;
  const id = profile.customer_id || c.customer_id || (history && history.customer_id);
  const plan = profile.plan || c.plan;
  const planText = plan ? (typeof plan === "object" ? `${plan.name || plan.id}${plan.monthly_price ? ` (${money(plan.monthly_price)}/month)` : ""}` : plan) : null;
  fill(
    $("#customer"),
    el("strong", { class: "name", text: name ? `${name} (${id})` : id || "not identified" }),
    planText ? el("span", { class: "plan", text: ` · plan ${planText}` }) : null,
    el("span", { text: c.verified ? ` · verified by ${c.verified_by}` : " · not verified" }),
    profile.customer_since ? el("span", { class: "meta", text: ` · customer since ${day(profile.customer_since)}` }) : null,
    profile.email ? el("span", { class: "meta", text: ` · ${profile.email}` }) : null,
  );
}

// ``history`` null: still being read (the thread shows at once, its customer's records when they come).
function renderHistory(history) {
  const loading = history === null;
  const orders = (history && history.orders) || [];
  $("#orders").replaceChildren(
    orders.length
      ? listTable(orders.map((o) => ({ order: o.order_id, placed: day(o.placed_at), status: o.status, total: money(o.total) })))
      : el("p", { class: "meta", text: loading ? "reading…" : history.orders_error || "no orders" }),
  );
  const tickets = (history && history.open_tickets) || [];
  $("#tickets").replaceChildren(
    tickets.length
      ? listTable(tickets.map((t) => ({ ticket: t.ticket_id, subject: t.subject, queue: t.queue, status: t.status, opened: day(t.created_at) })))
      : el("p", { class: "meta", text: loading ? "reading…" : "no open tickets" }),
  );
  const earlier = (history && history.earlier_threads) || [];
  $("#earlier").replaceChildren(
    ...(earlier.length
      ? earlier.map((t) => el("li", { "data-thread": t.thread_id, text: `${day(t.last_review_at)} · ${t.status} · ${short(t.summary, 90)}` }))
      : [el("li", { class: "meta", text: loading ? "reading…" : history.detail || "none in your queues" })]),
  );
}

function renderContext(ctx, signalWords) {
  $("#summary").textContent = ctx.summary || ctx.latest_message || "";
  $("#conversation").replaceChildren(
    ...(ctx.conversation || []).map((m) => el("li", { class: m.role }, el("strong", { text: `${m.role}: ` }), document.createTextNode(plainText(m.text)))),
  );
  $("#reasons").replaceChildren(...(ctx.reasons || []).flatMap((r) => String(r).split("; ")).map((r) => el("li", { text: words(r) })));
  const conf = typeof ctx.confidence === "number" ? ctx.confidence.toFixed(2) : "—";
  const threshold = typeof ctx.threshold === "number" ? ctx.threshold.toFixed(2) : "—";
  const s = ctx.sentiment;
  $("#confidence").textContent =
    `${conf} against a threshold of ${threshold}` + (s ? ` · the customer sounds ${s.label} (${Number(s.score).toFixed(2)})` : "");
  $("#signals tbody").replaceChildren(
    ...Object.entries(ctx.signals || {}).map(([name, value]) =>
      el(
        "tr",
        { "data-signal": name },
        el("th", { scope: "row" }, el("span", { text: words(name) }), signalWords[name] ? el("small", { text: signalWords[name] }) : null),
        el("td", {}, el("meter", { min: "0", max: "1", value: String(Math.abs(value)), "aria-label": words(name) })),
        el("td", { text: Number(value).toFixed(2) }),
      ),
    ),
  );
  $("#intents").replaceChildren(...(ctx.intents || []).map((i) => el("li", { text: `${words(i.intent)} (${Number(i.confidence).toFixed(2)})` })));
  $("#rationale").textContent = ctx.rationale || "";
  const entities = Object.entries(ctx.entities || {}).filter(([, v]) => v !== null && v !== undefined && !(Array.isArray(v) && !v.length));
  $("#entities tbody").replaceChildren(...entities.map(([k, v]) => el("tr", {}, el("th", { scope: "row", text: words(k) }), el("td", {}, valueNode(v, 1)))));
  $("#plan").replaceChildren(
    ...(ctx.plan || []).map((step) =>
      el(
        "article",
        { class: `step status-${step.status}`, "data-step": step.id },
        el("h4", {}, el("span", { text: `${step.id} · ${words(step.tool)}` }), el("span", { class: `status ${step.status}`, text: words(step.status) })),
        step.why ? el("p", { class: "meta", text: step.why }) : null,
        Object.keys(step.args || {}).length ? objectTable(step.args, 1) : null,
        step.hold_reason ? el("p", { class: "hold", text: `Held: ${step.hold_reason}` }) : null,
        step.error ? el("p", { class: "error", text: step.error }) : null,
        step.result !== null && step.result !== undefined ? el("div", { class: "result" }, valueNode(step.result)) : null,
      ),
    ),
  );
}
