// Keyboard shortcuts of the inbox: j/k next and previous thread, a approve everything and send, r reject, e answer
// the customer yourself, Ctrl+Enter send, ? help, Esc close. Never while typing in a field (Ctrl+Enter aside).
"use strict";

function step(by) {
  if (!inbox.threads.length) return;
  const at = inbox.current ? inbox.threads.findIndex((t) => t.thread_id === inbox.current.threadId) : -1;
  const next = inbox.threads[Math.min(inbox.threads.length - 1, Math.max(0, at + by))];
  return openThread(next.thread_id);
}

async function onKey(event) {
  const typing = event.target.closest("input, textarea, select");
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && inbox.current) return sendDecision(event);
  if (event.key === "Escape") {
    if (!$("#help").hidden) $("#help").hidden = true;
    else if (!typing) closeThread();
    return;
  }
  if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === "?") $("#help").hidden = !$("#help").hidden;
  else if (event.key === "j") await step(1);
  else if (event.key === "k") await step(-1);
  else if (!inbox.current) return;
  else if (event.key === "a" && chooseAll("approve")) await sendDecision(event);
  else if (event.key === "r" && chooseAll("reject")) {
    event.preventDefault();
    $('#decisions .panel[data-for="reject"]:not([hidden]) textarea')?.focus();
  } else if (event.key === "e" && chooseAll("respond")) {
    event.preventDefault();
    $('#decisions .panel[data-for="respond"]:not([hidden]) textarea')?.focus();
  }
}
