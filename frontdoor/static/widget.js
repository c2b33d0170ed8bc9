// The chat widget. Everything the assistant sends is shown as text nodes, never parsed
// as HTML; notices are named links (https:// only), the page sentences an answer rests on
// sit in a closed "From our privacy page" disclosure under it, and "Did this help?" under
// the conversation's latest answer.
"use strict";

(() => {
  const { el, evidence, noticeLink } = window.privacyUi;
  const log = document.getElementById("log");
  const greeting = document.getElementById("greeting");
  const form = document.getElementById("composer");
  const input = document.getElementById("message");
  const send = document.getElementById("send");
  const typing = document.getElementById("typing");
  const UNAVAILABLE = "Sorry, the privacy assistant cannot be reached right now. Please try again in a few minutes.";
  const SESSION_KEY = "privacy-assistant-session";
  const ENDED = ["invalid_session", "session_expired", "session_superseded"]; // start a new conversation
  let busy = false;
  let questions = 0; // "Did this help?" labels, for their ids

  function stored() {
    try { return sessionStorage.getItem(SESSION_KEY); } catch { return null; }
  }

  function store(sessionId) {
    try { sessionStorage.setItem(SESSION_KEY, sessionId); } catch { /* storage blocked: one-message sessions */ }
  }

  function forget() {
    try { sessionStorage.removeItem(SESSION_KEY); } catch { /* nothing stored */ }
    retireFeedback();
  }

  // The links of an answer's notices, as a list.
  function noticeLinks(notices) {
    const list = el("ul", undefined, "notices");
    list.setAttribute("aria-label", "Privacy notices");
    for (const notice of notices) {
      if (!/^https:\/\//.test(notice.url)) continue;
      const item = el("li");
      item.append(noticeLink(notice));
      list.append(item);
    }
    return list;
  }

  // Shows new nodes: the log scrolls to its end, or to their start when they are too tall
  // to be seen at once (a long list of choices must not hide the question).
  function show(...nodes) {
    log.append(...nodes);
    const top = nodes[0].offsetTop - 8; // the log is their offsetParent
    log.scrollTop = log.scrollHeight - top > log.clientHeight ? top : log.scrollHeight;
  }

  function addMessage(kind, text) {
    const item = el("div", text, `msg ${kind}`);
    show(item);
  }

  // One reply: its messages, then under the last one its notices and the page's sentences,
  // and for a chat answer (`rateable`) "Did this help?".
  function addReply(reply, kind = "bot", rateable = false) {
    const nodes = [];
    if (rateable) retireFeedback();
    reply.messages.forEach((message, index) => {
      const bubble = el("div", undefined, `msg ${kind}`);
      if (message.text) bubble.append(el("p", message.text, "text"));
      if (index === reply.messages.length - 1) {
        if (reply.notices.length) bubble.append(noticeLinks(reply.notices));
        if (reply.sources.length) bubble.append(evidence(reply.sources));
        if (rateable) bubble.append(feedback());
      }
      nodes.push(bubble);
      if (Array.isArray(message.buttons) && message.buttons.length) nodes.push(choices(message.buttons));
    });
    show(...nodes);
  }

  function choices(buttons) {
    const group = el("div", undefined, "choices");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Suggested answers");
    for (const choice of buttons) {
      const button = el("button", choice.title);
      button.type = "button";
      button.addEventListener("click", () => {
        if (busy) return;
        for (const other of group.querySelectorAll("button")) other.disabled = true;
        button.classList.add("chosen");
        ask({ payload: choice.payload }, choice.title);
      });
      group.append(button);
    }
    return group;
  }

  // "Did this help? Yes / No": one vote, about the conversation's latest answer (the server
  // takes no other), and a polite "thank you" in the group's status.
  function feedback() {
    const group = el("div", undefined, "feedback");
    const label = el("span", "Did this help?", "feedback-question");
    label.id = `feedback-${++questions}`;
    group.setAttribute("role", "group");
    group.setAttribute("aria-labelledby", label.id);
    const status = el("p", undefined, "feedback-status");
    status.setAttribute("role", "status");
    group.append(label);
    for (const [title, helpful] of [["Yes", true], ["No", false]]) {
      const button = el("button", title);
      button.type = "button";
      button.setAttribute("aria-pressed", "false");
      button.addEventListener("click", () => vote(group, button, helpful, status));
      group.append(button);
    }
    group.append(status);
    return group;
  }

  // Buttons stay focusable once used (aria-disabled), so that the keyboard's place is kept.
  function setVoted(group, chosen) {
    group.classList.toggle("voted", Boolean(chosen));
    for (const button of group.querySelectorAll("button")) {
      button.setAttribute("aria-pressed", String(button === chosen));
      if (chosen) button.setAttribute("aria-disabled", "true");
      else button.removeAttribute("aria-disabled");
    }
  }

  async function vote(group, button, helpful, status) {
    if (group.classList.contains("voted")) return;
    setVoted(group, button);
    const result = await call("feedback", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ session_id: stored(), helpful }),
    });
    const code = result.error && result.error.code;
    if (!result.error || code === "already_rated") {
      status.textContent = "Thank you for your feedback.";
    } else if (code === "nothing_to_rate" || ENDED.includes(code)) {
      status.textContent = "This answer can no longer be rated.";
    } else {
      setVoted(group, null); // not counted: the person may try again
      status.textContent = result.error.message || UNAVAILABLE;
    }
  }

  // A newer answer (or a new conversation) is the one to rate: older questions go.
  function retireFeedback() {
    for (const group of log.querySelectorAll(".feedback:not(.voted)")) group.remove();
  }

  // The JSON body of a same-origin request, or {error: message}.
  async function call(path, options) {
    let response;
    try {
      response = await fetch(path, options);
    } catch {
      return { error: { message: UNAVAILABLE } };
    }
    const body = await response.json().catch(() => null);
    if (response.ok && body) return body;
    return { error: (body && body.error) || { message: UNAVAILABLE } };
  }

  // `request` is {message} for typed text or {payload} for a chosen button.
  async function post(request, retry = true) {
    const reply = await call("chat", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ session_id: stored(), ...request }),
    });
    if (retry && reply.error && ENDED.includes(reply.error.code)) {
      forget();
      return post(request, false);
    }
    return reply;
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
      addMessage("error", reply.error.message || UNAVAILABLE);
    } else {
      store(reply.session_id);
      const kind = reply.topic === "unavailable" ? "bot unavailable" : "bot";
      // An answer of the knowledge base has sources; without a stored session none is rated.
      addReply(reply, kind, reply.sources.length > 0 && Boolean(stored()));
    }
    busy = false;
    send.disabled = false;
    input.focus();
    return !reply.error;
  }

  // A share link (/?topic=retention&service=notice.tracker) opens on that answer, in place
  // of the greeting; the person then asks on as usual.
  async function showSharedAnswer(params) {
    const service = params.get("service");
    const query = service ? `?${new URLSearchParams({ service })}` : "";
    const answer = await call(`answers/${encodeURIComponent(params.get("topic"))}${query}`);
    if (answer.error) {
      addMessage("error", answer.error.message || UNAVAILABLE);
      return;
    }
    greeting.remove();
    addReply({ messages: [{ text: answer.text }], notices: answer.notices, sources: answer.sources });
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

  const params = new URLSearchParams(window.location.search);
  if (params.get("topic")) showSharedAnswer(params);
})();
