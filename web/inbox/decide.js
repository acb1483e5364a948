// The decision form: one fieldset per proposed action (its money card, its arguments, the decisions its review
// config allows), an edit form generated from the tool's argument schema, and the resume payload it sends.
"use strict";

const DECISION_LABELS = {
  approve: "Approve",
  edit: "Edit, then approve",
  reject: "Reject",
  respond: "Answer the customer myself",
};

// Choose one decision for every action that allows it (keyboard shortcuts); false when none allows it.
function chooseAll(kind) {
  let chosen = false;
  for (const radio of document.querySelectorAll(`#decisions input[type=radio][value="${kind}"]`)) {
    radio.checked = true;
    radio.dispatchEvent(new Event("change"));
    chosen = true;
  }
  return chosen;
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
      el("legend", { text: words(action.name) }),
      moneyCard((request.context.effects || [])[n]),
      Object.keys(action.args || {}).length && action.name !== "reply_to_customer" ? objectTable(action.args, 1) : null,
      action.name === "reply_to_customer" && action.args.message ? el("blockquote", { class: "draft", text: plainText(action.args.message) }) : null,
      el("p", { class: "description meta", text: action.description || "" }),
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
  fill(
    form,
    ...fieldsets,
    respondable
      ? el(
          "p",
          { class: "ownership" },
          el("label", {}, el("input", { type: "checkbox", name: "take_over" }), " take this thread over (as you)"),
          el("label", {}, el("input", { type: "checkbox", name: "hand_back" }), " hand it back to the agent"),
        )
      : null,
    el("button", { type: "submit", id: "send-decision", text: "Send decision", "aria-keyshortcuts": "Control+Enter" }),
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

function collectDecisions(request) {
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

