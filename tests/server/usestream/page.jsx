// A chat page on @langchain/langgraph-sdk's React useStream hook, the way agent-chat-ui uses it (agent-chat-ui is
// built on the same hook and sends the same requests): it sends the thread's latest checkpoint with each run,
// renders the agent's messages as markdown with math (micromark + its math extension, like remark-math) and shows
// the pending interrupt. tests/server/test_usestream_browser.py bundles it with esbuild and drives it in chromium.
import { useState } from "react";
import { createRoot } from "react-dom/client";
import { Client } from "@langchain/langgraph-sdk";
import { useStream } from "@langchain/langgraph-sdk/react";
import { micromark } from "micromark";
import { math, mathHtml } from "micromark-extension-math";

const params = new URLSearchParams(location.search);
const apiUrl = location.origin;
const apiKey = params.get("key");

function textOf(message) {
  const content = message.content;
  if (typeof content === "string") return content;
  return (content || []).map((part) => (typeof part === "string" ? part : part.text || "")).join("");
}

function markdown(text) {
  return micromark(text, { extensions: [math()], htmlExtensions: [mathHtml()] });
}

async function latestCheckpoint(threadId) {
  if (!threadId) return undefined;
  const state = await new Client({ apiUrl, apiKey }).threads.getState(threadId);
  const id = state.checkpoint && state.checkpoint.checkpoint_id;
  return id ? { checkpoint_id: id, checkpoint_ns: "" } : undefined;
}

function App() {
  const [threadId, setThreadId] = useState(params.get("thread"));
  const [error, setError] = useState("");
  const [sent, setSent] = useState(0);
  const stream = useStream({
    apiUrl, apiKey, assistantId: "support", threadId, onThreadId: setThreadId, fetchStateHistory: true,
    onError: (e) => setError(String(e && e.message ? e.message : e)),
    onFinish: () => setSent((n) => n + 1),
    onCustomEvent: () => {}, // as agent-chat-ui: the hook then streams "custom" too
  });

  async function send(event) {
    event.preventDefault();
    const box = document.getElementById("input");
    const text = box.value;
    box.value = "";
    setError("");
    const message = { id: crypto.randomUUID(), type: "human", content: [{ type: "text", text }] };
    stream.submit({ messages: [message] }, {
      checkpoint: await latestCheckpoint(threadId), streamMode: ["values"], streamSubgraphs: true,
      streamResumable: true,
      optimisticValues: (prev) => ({ ...prev, messages: [...(prev.messages || []), message] }),
    });
  }

  async function approve() {
    setError("");
    stream.submit({}, {
      command: { resume: { decisions: [{ type: "approve" }] } }, checkpoint: await latestCheckpoint(threadId),
      streamSubgraphs: true, streamResumable: true,
    });
  }

  return (
    <main>
      <p id="thread">{threadId || ""}</p>
      <p id="state" data-finished={sent}>{stream.isLoading ? "loading" : "idle"}</p>
      <ol id="messages">
        {stream.messages.map((m, n) =>
          m.type === "ai" ? (
            <li key={m.id || n} className="ai" dangerouslySetInnerHTML={{ __html: markdown(textOf(m)) }} />
          ) : (
            <li key={m.id || n} className={m.type}>{textOf(m)}</li>
          ),
        )}
      </ol>
      {stream.interrupt ? <pre id="interrupt">{JSON.stringify(stream.interrupt.value)}</pre> : null}
      {error ? <p id="error">{error}</p> : null}
      <form onSubmit={send}>
        <textarea id="input" />
        <button id="send" type="submit">Send</button>
      </form>
      <button id="approve" type="button" onClick={approve}>Approve</button>
    </main>
  );
}

createRoot(document.getElementById("root")).render(<App />);
