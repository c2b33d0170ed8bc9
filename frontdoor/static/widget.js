// The chat widget. Everything the assistant sends is shown as text nodes, never parsed
// as HTML; notices are named links (https:// only), the page sentences an answer rests on
// sit in a closed "From our privacy page" disclosure under it, and "Did this help?" under
// the conversation's latest answer. The session id and the conversation shown are kept in
// the tab's session storage, so that a reload keeps them; "Start again", or a session the
// server has ended, clears them.
"use strict";

(() => {
  const { el, evidence, noticeLink, original } = window.privacyUi;
  const log = document.getElementById("log");
  const greeting = document.getElementById("greeting");
  const form = document.getElementById("composer");
  const input = document.getElementById("message");
  const send = document.getElementById("send");
  const typing = document.getElementById("typing");
  const typingText = document.getElementById("typing-text");
  const status = document.getElementById("status");
  const UNAVAILABLE = "Sorry, the privacy assistant cannot be reached right now. Please try again in a few minutes.";
  const SESSION_KEY = "privacy-assistant-session";
  const TRANSCRIPT_KEY = "privacy-assistant-transcript";
  const ENDED = ["invalid_session", "session_expired", "session_superseded"]; // start a new conversation
  let busy = false;
  let questions = 0; // "Did this help?" labels, for their ids
  // What the conversation shows, to draw it again after a reload: {you: text} for a question,
  // {reply, kind, rateable, vote?, chosen?} for a reply, {shared, reply, kind} for a shared answer.
  let transcript = [];

  function stored() {
    try { return sessionStorage.getItem(SESSION_KEY); } catch { return null; }
  }

  function store(sessionId) {
    try { sessionStorage.setItem(SESSION_KEY, sessionId); } catch { /* storage blocked: one-message sessions */ }
  }

  function save() {
    try { sessionStorage.setItem(TRANSCRIPT_KEY, JSON.stringify(transcript)); } catch { /* blocked or full: not kept */ }
  }

  function forget() {
    try {
      sessionStorage.removeItem(SESSION_KEY);
      sessionStorage.removeItem(TRANSCRIPT_KEY);
    } catch { /* nothing stored */ }
    transcript = [];
  }

  // Only what the widget draws of a reply: texts and choices, notices' labels and links,
  // sources, and for a translated reply its language and English original.
  function kept(reply) {
    return {
      messages: reply.messages.map((message) => ({
        text: message.text,
        buttons: (message.buttons || []).map(({ title, payload }) => ({ title, payload })),
      })),
      notices: reply.notices.map(({ label, url }) => ({ label, url })),
      sources: reply.sources,
      ...(reply.translated
        ? { translated: true, language: reply.language, text_en: reply.text_en }
        : {}),
    };
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

  // One reply of the transcript: its messages, then under the last one its notices and the
  // page's sentences, and for a chat answer (`rateable`) "Did this help?".
  function addReply(entry) {
    const { reply, kind, rateable } = entry;
    const nodes = [];
    if (rateable) retireFeedback();
    reply.messages.forEach((message, index) => {
      const bubble = el("div", undefined, `msg ${kind}`);
      if (reply.translated) bubble.lang = reply.language;
      if (message.text) bubble.append(el("p", message.text, "text"));
      if (index === reply.messages.length - 1) {
        if (reply.notices.length) bubble.append(noticeLinks(reply.notices));
        if (reply.translated) bubble.append(original(reply.text_en, reply.sources));
        else if (reply.sources.length) bubble.append(evidence(reply.sources));
        if (rateable) bubble.append(feedback(entry));
      }
      nodes.push(bubble);
      if (message.buttons.length) nodes.push(choices(message.buttons, entry));
    });
    show(...nodes);
  }

  function choices(buttons, entry) {
    const group = el("div", undefined, "choices");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Suggested answers");
    for (const choice of buttons) {
      const button = el("button", choice.title);
      button.type = "button";
      button.addEventListener("click", () => {
        if (busy) return;
        choose(group, button);
        entry.chosen = choice.title; // kept with the reply to it
        ask({ payload: choice.payload }, choice.title);
      });
      group.append(button);
      if (entry.chosen === choice.title) choose(group, button);
    }
    return group;
  }

  // A choice taken: it stands out, and none of its group can be chosen any more.
  function choose(group, chosen) {
    for (const button of group.querySelectorAll("button")) button.disabled = true;
    chosen.classList.add("chosen");
  }

  // "Did this help? Yes / No": one vote, about the conversation's latest answer (the server
  // takes no other), and a polite "thank you" in the group's status.
  function feedback(entry) {
    const group = el("div", undefined, "feedback");
    const label = el("span", "Did this help?", "feedback-question");
    label.id = `feedback-${++questions}`;
    group.setAttribute("role", "group");
    group.setAttribute("aria-labelledby", label.id);
    const thanks = el("p", undefined, "feedback-status");
    thanks.setAttribute("role", "status");
    group.append(label);
    for (const [title, helpful] of [["Yes", true], ["No", false]]) {
      const button = el("button", title);
      button.type = "button";
      button.setAttribute("aria-pressed", "false");
      button.addEventListener("click", () => vote(entry, group, button, helpful, thanks));
      group.append(button);
    }
    group.append(thanks);
    const voted = [...group.querySelectorAll("button")][entry.vote === true ? 0 : 1];
    if (typeof entry.vote === "boolean") {
      setVoted(group, voted);
      thanks.textContent = "Thank you for your feedback.";
    }
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

  async function vote(entry, group, button, helpful, thanks) {
    if (group.classList.contains("voted")) return;
    setVoted(group, button);
    const result = await call("feedback", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ session_id: stored(), helpful }),
    });
    const code = result.error && result.error.code;
    if (!result.error || code === "already_rated") {
      thanks.textContent = "Thank you for your feedback.";
      entry.vote = helpful;
    } else if (code === "nothing_to_rate" || ENDED.includes(code)) {
      thanks.textContent = "This answer can no longer be rated.";
      entry.rateable = false;
    } else {
      setVoted(group, null); // not counted: the person may try again
      thanks.textContent = result.error.message || UNAVAILABLE;
      return;
    }
    save();
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
  function post(request) {
    return call("chat", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ session_id: stored(), ...request }),
    });
  }

  function setTyping(on) {
    typing.classList.toggle("active", on);
    typingText.textContent = on ? "Assistant is typing…" : "";
    if (on) log.setAttribute("aria-busy", "true");
    else log.removeAttribute("aria-busy");
  }

  // A new conversation: nothing kept, the greeting alone (and `note`, when given).
  function restart(note) {
    forget();
    log.replaceChildren(greeting);
    if (note) addMessage("bot note", note);
  }

  async function ask(request, shown) {
    busy = true;
    send.disabled = true;
    status.textContent = "";
    if (shown.trim()) addMessage("user", shown);
    setTyping(true);
    let reply = await post(request);
    if (reply.error && ENDED.includes(reply.error.code)) {
      restart("Your earlier conversation had ended, so this is a new one.");
      if (shown.trim()) addMessage("user", shown);
      reply = await post(request);
    }
    setTyping(false);
    if (reply.error) {
      addMessage("error", reply.error.message || UNAVAILABLE);
    } else {
      store(reply.session_id);
      // An answer of the knowledge base has sources; without a stored session none is rated.
      const entry = {
        reply: kept(reply),
        kind: reply.topic === "unavailable" ? "bot unavailable" : "bot",
        rateable: reply.sources.length > 0 && Boolean(stored()),
      };
      if (shown.trim()) transcript.push({ you: shown });
      transcript.push(entry);
      save();
      addReply(entry);
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
    const reply = { messages: [{ text: answer.text }], notices: answer.notices, sources: answer.sources };
    const entry = { shared: params.toString(), reply: kept(reply), kind: "bot" };
    transcript.push(entry);
    save();
    draw(entry);
  }

  function draw(entry) {
    if (entry.you !== undefined) {
      addMessage("user", entry.you);
      return;
    }
    if (entry.shared !== undefined && log.lastElementChild === greeting) greeting.remove();
    addReply(entry);
  }

  // The conversation kept in this tab, drawn again; anything unreadable starts a new one.
  function restore() {
    try {
      const saved = JSON.parse(sessionStorage.getItem(TRANSCRIPT_KEY) || "[]");
      if (!Array.isArray(saved)) throw new TypeError("not a transcript");
      transcript = saved;
      for (const entry of transcript) draw(entry);
    } catch {
      restart();
    }
  }

  // The conversation as plain text: each question, and each reply with its notices' links.
  function conversationText() {
    return transcript.map((entry) => {
      if (entry.you !== undefined) return `You: ${entry.you}`;
      const texts = entry.reply.messages.map((message) => (message.text || "").trim()).filter(Boolean);
      const links = entry.reply.notices.filter((notice) => /^https:\/\//.test(notice.url));
      return [`Assistant: ${texts.join("\n")}`, ...links.map(({ label, url }) => `${label}: ${url}`)].join("\n");
    }).join("\n\n");
  }

  // The clipboard API, else (a frame not allowed to use it, an older browser) the
  // selection's copy command.
  async function copyText(text) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      const area = el("textarea", undefined, "visually-hidden");
      area.value = text;
      area.setAttribute("readonly", "");
      area.setAttribute("aria-hidden", "true");
      document.body.append(area);
      area.select();
      let copied = false;
      try { copied = document.execCommand("copy"); } catch { /* not supported */ }
      area.remove();
      return copied;
    }
  }

  document.getElementById("copy").addEventListener("click", async (event) => {
    const button = event.currentTarget;
    status.textContent = "";
    if (!transcript.length) {
      status.textContent = "Nothing to copy yet.";
      return;
    }
    const copied = await copyText(conversationText());
    button.focus(); // the copy command's selection took it
    status.textContent = copied
      ? "Copied the conversation."
      : "Could not copy: select the conversation and copy it.";
  });

  document.getElementById("restart").addEventListener("click", () => {
    if (busy) return;
    restart();
    if (window.location.search) window.history.replaceState(null, "", window.location.pathname);
    status.textContent = "Started a new conversation.";
    input.focus();
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (busy) return;
    const message = input.value;
    input.value = "";
    ask({ message }, message).then((answered) => {
      if (!answered && !input.value) input.value = message; // nothing typed is lost
    });
  });

  restore();
  const params = new URLSearchParams(window.location.search);
  if (params.get("topic") && !transcript.some((entry) => entry.shared === params.toString())) {
    showSharedAnswer(params);
  }
})();
