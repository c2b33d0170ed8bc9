// The chat widget. Everything the assistant sends is shown as text nodes, never parsed
// as HTML; only https:// URLs become links.
"use strict";

(() => {
  const log = document.getElementById("log");
  const form = document.getElementById("composer");
  const input = document.getElementById("message");
  const send = document.getElementById("send");
  const typing = document.getElementById("typing");
  const UNAVAILABLE = "Sorry, the privacy assistant cannot be reached right now. Please try again in a few minutes.";
  const URL_PATTERN = /https:\/\/[^\s<>"']+/g;
  const SESSION_KEY = "privacy-assistant-session";
  const ENDED = ["invalid_session", "session_expired"]; // start a new conversation
  let busy = false;

  function stored() {
    try { return sessionStorage.getItem(SESSION_KEY); } catch { return null; }
  }

  function store(sessionId) {
    try { sessionStorage.setItem(SESSION_KEY, sessionId); } catch { /* storage blocked: one-message sessions */ }
  }

  function forget() {
    try { sessionStorage.removeItem(SESSION_KEY); } catch { /* nothing stored */ }
  }

  function link(url) {
    const a = document.createElement("a");
    a.href = url;
    a.textContent = url;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    return a;
  }

  // Text with its https URLs as links; trailing punctuation stays text.
  function linkified(text) {
    const nodes = [];
    let last = 0;
    for (const match of text.matchAll(URL_PATTERN)) {
      const url = match[0].replace(/[.,;:!?)]+$/, "");
      nodes.push(text.slice(last, match.index), link(url));
      last = match.index + url.length;
    }
    nodes.push(text.slice(last));
    return nodes;
  }

  function show(node) {
    log.append(node);
    log.scrollTop = log.scrollHeight;
  }

  function addMessage(kind, text) {
    const item = document.createElement("div");
    item.className = `msg ${kind}`;
    if (kind === "user") item.textContent = text;
    else item.append(...linkified(text));
    show(item);
  }

  function addButtons(buttons) {
    const group = document.createElement("div");
    group.className = "choices";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Suggested answers");
    for (const choice of buttons) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = choice.title;
      button.addEventListener("click", () => {
        if (busy) return;
        for (const other of group.querySelectorAll("button")) other.disabled = true;
        button.classList.add("chosen");
        ask({ payload: choice.payload }, choice.title);
      });
      group.append(button);
    }
    show(group);
  }

  // `request` is {message} for typed text or {payload} for a chosen button.
  async function post(request, retry = true) {
    let response;
    try {
      response = await fetch("chat", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ session_id: stored(), ...request }),
      });
    } catch {
      return { error: UNAVAILABLE };
    }
    const body = await response.json().catch(() => null);
    if (response.ok && body && Array.isArray(body.messages)) return body;
    const error = (body && body.error) || {};
    if (retry && ENDED.includes(error.code)) {
      forget();
      return post(request, false);
    }
    return { error: error.message || UNAVAILABLE };
  }

  async function ask(request, shown) {
    busy = true;
    send.disabled = true;
    if (shown.trim()) addMessage("user", shown);
    typing.textContent = "The assistant is typing…";
    log.setAttribute("aria-busy", "true");
    const reply = await post(request);
    log.removeAttribute("aria-busy");
    typing.textContent = "";
    if (reply.error) {
      addMessage("error", reply.error);
    } else {
      store(reply.session_id);
      const kind = reply.topic === "unavailable" ? "bot unavailable" : "bot";
      for (const m of reply.messages) {
        addMessage(kind, m.text);
        if (Array.isArray(m.buttons) && m.buttons.length) addButtons(m.buttons);
      }
    }
    busy = false;
    send.disabled = false;
    input.focus();
    return !reply.error;
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (busy) return;
    const message = input.value;
    input.value = "";
    ask({ message }, message).then((answered) => {
      if (!answered && !input.value) input.value = message; // nothing typed is lost
    });
  });
})();
