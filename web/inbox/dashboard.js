// The lead's dashboard: draws the figures of service/metrics/dashboard.py (headline tiles with their trend, the
// reliability diagram, the risk–coverage curve, review reasons grouped by rule, reviewers). Served by the inbox it
// fetches /inbox/dashboard with the key; written by `supportgraph metrics --html` the figures are inlined in
// #dashboard-data and the same code draws them. Figures are computed by the server, never here.
"use strict";

const D = (selector) => document.querySelector(selector);
const NS = "http://www.w3.org/2000/svg";

function node(tag, attrs = {}, ...children) {
  const n = tag.startsWith("svg:") ? document.createElementNS(NS, tag.slice(4)) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined) continue;
    if (k === "text") n.textContent = v;
    else n.setAttribute(k, v);
  }
  for (const c of children) if (c) n.append(c);
  return n;
}

const pct = (v) => (v === null || v === undefined ? "–" : `${(v * 100).toFixed(1)}%`);
const dollars = (v) => (v === null || v === undefined ? "–" : `$${Number(v).toLocaleString("en-US", { maximumFractionDigits: 0 })}`);
function minutes(s) {
  if (s === null || s === undefined) return "–";
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${(s / 60).toFixed(1)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

const TILES = [
  ["fcr_rate", "First-contact resolution", pct],
  ["handling_median_seconds", "Handling time (median)", minutes],
  ["csat_mean", "CSAT (1–5)", (v) => (v === null || v === undefined ? "–" : v.toFixed(2))],
  ["escalation_rate", "Escalation rate", pct],
  ["automation_rate", "Automation rate", pct],
  ["savings", "Savings", dollars],
  ["conversations", "Conversations", (v) => String(v ?? 0)],
];

function sparkline(values, label) {
  const points = values.map((v, i) => [i, v]).filter(([, v]) => v !== null && v !== undefined);
  const svg = node("svg:svg", { viewBox: "0 0 100 30", preserveAspectRatio: "none", role: "img", "aria-label": label });
  if (points.length < 2) return svg;
  const ys = points.map(([, v]) => v);
  const lo = Math.min(...ys);
  const hi = Math.max(...ys);
  const x = (i) => (i / Math.max(1, values.length - 1)) * 100;
  const y = (v) => 28 - (hi === lo ? 13 : ((v - lo) / (hi - lo)) * 26);
  svg.append(node("svg:polyline", { class: "line", points: points.map(([i, v]) => `${x(i)},${y(v)}`).join(" "), "vector-effect": "non-scaling-stroke" }));
  return svg;
}

// A square plot of points in [0,1]×[0,1] (reliability, risk–coverage), with axes labels and extra lines.
function plot(points, { xLabel, yLabel, diagonal = false, target = null, chosen = null, label }) {
  const S = 220;
  const P = 30;
  const x = (v) => P + v * (S - P - 8);
  const y = (v) => S - P - v * (S - P - 8);
  const svg = node("svg:svg", { viewBox: `0 0 ${S} ${S}`, role: "img", "aria-label": label });
  svg.append(node("svg:line", { class: "axis", x1: x(0), y1: y(0), x2: x(1), y2: y(0) }), node("svg:line", { class: "axis", x1: x(0), y1: y(0), x2: x(0), y2: y(1) }));
  for (const t of [0, 0.5, 1]) {
    svg.append(node("svg:text", { x: x(t), y: S - P + 12, "text-anchor": "middle", text: String(t) }));
    svg.append(node("svg:text", { x: P - 4, y: y(t) + 3, "text-anchor": "end", text: String(t) }));
  }
  svg.append(node("svg:text", { x: S / 2, y: S - 4, "text-anchor": "middle", text: xLabel }));
  svg.append(node("svg:text", { x: 10, y: S / 2, transform: `rotate(-90 10 ${S / 2})`, "text-anchor": "middle", text: yLabel }));
  if (diagonal) svg.append(node("svg:line", { class: "diag", x1: x(0), y1: y(0), x2: x(1), y2: y(1) }));
  if (target !== null) svg.append(node("svg:line", { class: "target", x1: x(0), y1: y(target), x2: x(1), y2: y(target) }));
  if (points.length) svg.append(node("svg:polyline", { class: "line", points: points.map(([a, b]) => `${x(a)},${y(Math.min(1, b))}`).join(" ") }));
  for (const [a, b, title] of points) svg.append(node("svg:circle", { cx: x(a), cy: y(Math.min(1, b)), r: 3, class: "bar" }, node("svg:title", { text: title })));
  if (chosen) svg.append(node("svg:circle", { cx: x(chosen[0]), cy: y(chosen[1]), r: 6, fill: "none", stroke: "currentColor" }, node("svg:title", { text: chosen[2] })));
  return svg;
}

function render(data) {
  const m = data.metrics;
  D("#dashboard").hidden = false;
  const period = data.since ? `${data.since.slice(0, 10)} → ${(data.until || "").slice(0, 10)}` : "all time";
  D("#dash-period").textContent = `${period} · ${data.queues ? `queues ${data.queues.join(", ")}` : "all queues"} · trend by ${data.bucket} · computed ${data.generated_at.slice(0, 16).replace("T", " ")} UTC`;
  D("#dash-tiles").replaceChildren(
    ...TILES.map(([key, label, show]) =>
      node("div", { "data-tile": key }, node("dt", { text: label }), node("dd", { text: show(data.headline[key]) }), sparkline(data.trend.map((b) => b[key]), `${label} per ${data.bucket}`)),
    ),
  );
  const bins = m.calibration.bins.filter((b) => b.mean_confidence !== null && b.observed !== null);
  D("#dash-reliability").replaceChildren(
    plot(bins.map((b) => [b.mean_confidence, b.observed, `${b.judged} turns: confidence ${b.mean_confidence.toFixed(2)}, right ${pct(b.observed)}`]), { xLabel: "confidence", yLabel: "handled without correction", diagonal: true, label: "Reliability diagram" }),
    node("figcaption", { text: `Expected calibration error ${m.calibration.ece === null ? "–" : m.calibration.ece.toFixed(3)} over ${m.calibration.judged} judged turns; the dashed line is perfect calibration.` }),
  );
  const sel = m.selective || { curve: [], chosen: null, target_risk: 0.05 };
  const curve = sel.curve.filter((p) => p.risk !== null);
  D("#dash-risk").replaceChildren(
    plot(curve.map((p) => [p.coverage, p.risk, `confidence ≥ ${p.threshold.toFixed(1)}: ${pct(p.coverage)} answered alone, ${pct(p.risk)} wrong`]), {
      xLabel: "share answered alone", yLabel: "error rate", target: sel.target_risk, label: "Risk–coverage curve",
      chosen: sel.chosen && sel.chosen.risk !== null ? [sel.chosen.coverage, sel.chosen.risk, "chosen threshold"] : null,
    }),
    node("figcaption", { text: sel.chosen ? `Answering alone from confidence ${sel.chosen.threshold.toFixed(2)}: ${pct(sel.chosen.coverage)} of turns, ${pct(sel.chosen.risk)} wrong (target ${pct(sel.target_risk)}, dashed).` : `No threshold keeps the error rate within ${pct(sel.target_risk)}.` }),
  );
  const reasons = m.escalation.by_code || [];
  D("#dash-reasons tbody").replaceChildren(
    ...(reasons.length ? reasons.map((g) => node("tr", { "data-code": g.code }, node("th", { scope: "row", text: g.label }), node("td", { text: String(g.reviews) }), node("td", { class: "meta", text: g.examples.join(" · ") }))) : [node("tr", {}, node("td", { text: "no escalations in the period" }))]),
  );
  D("#dash-reviewers tbody").replaceChildren(
    ...m.workload.by_reviewer.map((r) => node("tr", {}, node("th", { scope: "row", text: r.reviewer }), node("td", { text: String(r.reviews) }), node("td", { text: minutes(r.time_to_resume.median) }))),
  );
  const waiting = Object.entries(m.workload.open_by_queue).map(([q, n]) => `${q} ${n}`).join(", ");
  D("#dash-waiting").textContent = `Waiting now: ${waiting || "none"}; oldest ${minutes(m.workload.oldest_open_seconds)}.`;
}

function say(text, kind = "info") {
  const n = D("#notice");
  n.textContent = text;
  n.className = kind;
  n.hidden = !text;
}

async function load(event) {
  if (event) event.preventDefault();
  const params = new URLSearchParams({ days: D("#dash-days").value, bucket: D("#dash-bucket").value });
  if (D("#dash-queue").value) params.set("queue", D("#dash-queue").value);
  const key = D("#dash-key").value.trim();
  say("Computing…");
  const response = await fetch(`/inbox/dashboard?${params}`, { headers: key ? { "x-api-key": key } : {} });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    say(`${response.status}: ${data.detail || data.message || "refused"}`, "error");
    return;
  }
  say("");
  render(data);
}

const inlined = D("#dashboard-data");
if (inlined) {
  // Written by `supportgraph metrics --html`: the figures are in the page, nothing is fetched.
  D("#dash-filters").hidden = true;
  D("#dash-nav").hidden = true;
  render(JSON.parse(inlined.textContent));
} else {
  D("#dash-filters").addEventListener("submit", (e) => load(e).catch((err) => say(err.message, "error")));
}
