// The agent console: answers, the knowledge base, insights for privacy teams and what went
// unanswered. The token lives in sessionStorage and goes out only as a bearer header to this
// server's /agent/api/*; everything shown uses textContent.
"use strict";

(() => {
  const { el, evidence, noticeLink, original } = window.privacyUi;
  const TOKEN_KEY = "agent-token";
  const $ = (id) => document.getElementById(id);

  function copyButton(label, text) {
    const button = el("button", label, "copy");
    button.type = "button";
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(text);
        $("search-status").textContent = `${label}: copied.`;
      } catch {
        $("search-status").textContent = "Copying failed: select the text and copy it by hand.";
      }
    });
    return button;
  }

  // The widget opened on this answer (and service), for the person to read and ask on.
  function shareLink(item) {
    const params = new URLSearchParams({ topic: item.topic });
    if (item.service) params.set("service", item.service);
    return new URL(`./?${params}`, document.baseURI).href;
  }

  // An answer: its text, the page's sentences, its notices, and how to pass it on.
  function topicCard(item) {
    const card = el("li", undefined, "card");
    const title = el("h3", item.title);
    if (item.confidence !== undefined) {
      const percent = Math.round(item.confidence * 100);
      title.append(" ", el("span", percent ? `${percent}%` : "<1%", "confidence"));
    }
    card.append(title, el("p", item.topic, "meta"));
    if (!item.text) {
      card.append(el("p", "Answered by the assistant's conversation rules, not the knowledge base.", "meta"));
      return card;
    }
    const answer = el("p", item.text, "answer");
    if (item.translated) answer.lang = item.language;
    card.append(answer);
    if (item.translated) card.append(original(item.text_en, item.sources));
    else if (item.sources.length) card.append(evidence(item.sources));
    const links = el("ul", undefined, "links");
    for (const notice of item.notices) {
      const li = el("li");
      li.append(noticeLink(notice), copyButton("Copy link", notice.url));
      links.append(li);
    }
    if (item.notices.length) card.append(links);
    const share = el("a", "Open in the widget", "share");
    share.href = shareLink(item);
    share.target = "_blank";
    share.rel = "noopener noreferrer";
    const actions = el("p", undefined, "actions");
    actions.append(copyButton("Copy answer", item.text), copyButton("Copy answer link", share.href), share);
    card.append(actions);
    return card;
  }

  function noticeCard(notice) {
    const card = el("li", undefined, "card");
    const title = el("h3");
    title.append(noticeLink(notice));
    card.append(title, el("p", `${notice.id} · ${notice.audience}`, "meta"),
      el("p", `Also called: ${notice.aliases.join(", ")}`), copyButton("Copy link", notice.url));
    return card;
  }

  function unansweredCard(question) {
    const card = el("li", undefined, "card");
    const offered = question.candidates.length ? ` · offered ${question.candidates.join(", ")}` : "";
    const asked = `${question.conversations} conversation${question.conversations === 1 ? "" : "s"}`;
    card.append(el("p", question.text, "answer"),
      el("p", `${asked} · last ${question.last_asked} · ${question.outcome}${offered}`, "meta"));
    return card;
  }

  // A topic's counts and the share of its votes that said the answer helped.
  function insightsRow(item) {
    const row = el("tr");
    const topic = el("th", item.topic);
    topic.scope = "row";
    const votes = item.helpful + item.not_helpful;
    const rate = votes ? `${Math.round((100 * item.helpful) / votes)}%` : "–";
    const counts = [item.answered, item.clarified, item.unanswered, item.helpful, item.not_helpful];
    row.append(topic, ...[...counts.map(String), rate].map((text) => el("td", text)));
    return row;
  }

  function themeCard(theme) {
    const card = el("li", undefined, "card");
    const asked = `${theme.count} conversation${theme.count === 1 ? "" : "s"}`;
    card.append(el("p", theme.example, "answer"), el("p", asked, "meta"));
    return card;
  }

  async function loadInsights() {
    const days = $("insights-days").value;
    const data = await call(`agent/api/insights?days=${days}`);
    if (!data) return;
    if (data.error) {
      $("insights-status").textContent = data.error;
      return;
    }
    $("insights-topics").tBodies[0].replaceChildren(...data.topics.map(insightsRow));
    $("insights-themes").replaceChildren(...data.themes.map(themeCard));
    if (!data.themes.length) $("insights-themes").append(el("li", "Nothing yet.", "meta"));
    $("insights-status").textContent = data.topics.length
      ? `The last ${days} days.`
      : `Nothing counted in the last ${days} days.`;
  }

  // The same insights as a CSV file, fetched with the token and saved by the browser.
  async function downloadCsv() {
    const days = $("insights-days").value;
    let response;
    try {
      response = await fetch(`agent/api/insights?days=${days}&format=csv`, { headers: authorization() });
    } catch {
      $("insights-status").textContent = "The console cannot reach the server.";
      return;
    }
    if (response.status === 401) {
      signOut("That token was not accepted.");
      return;
    }
    if (!response.ok) {
      $("insights-status").textContent = "The CSV could not be made; try again shortly.";
      return;
    }
    const link = el("a");
    link.href = URL.createObjectURL(await response.blob());
    link.download = `insights-${days}-days.csv`;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
    $("insights-status").textContent = `Downloaded ${link.download}.`;
  }

  function signedIn(yes) {
    $("sign-in").hidden = yes;
    $("console").hidden = !yes;
    $("sign-out").hidden = !yes;
  }

  function signOut(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    signedIn(false);
    $("sign-in-status").textContent = message || "";
    $("token").focus();
  }

  function authorization() {
    return { Authorization: `Bearer ${sessionStorage.getItem(TOKEN_KEY)}` };
  }

  async function call(path, body) {
    const options = { headers: authorization() };
    if (body) {
      options.method = "POST";
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, options);
    } catch {
      return { error: "The console cannot reach the server." };
    }
    const data = await response.json().catch(() => null);
    if (response.status === 401) {
      signOut("That token was not accepted.");
      return null;
    }
    if (!response.ok || !data) return { error: (data && data.error && data.error.message) || "Something went wrong." };
    return data;
  }

  async function loadKnowledge() {
    const data = await call("agent/api/knowledge");
    if (!data) return false;
    if (data.error) {
      $("search-status").textContent = data.error;
      return true;
    }
    $("topics").replaceChildren(...data.topics.map(topicCard));
    $("notices").replaceChildren(...data.notices.map(noticeCard));
    const gaps = await call("agent/api/unanswered");
    if (gaps && !gaps.error) {
      $("unanswered").replaceChildren(...gaps.questions.map(unansweredCard));
      if (!gaps.questions.length) $("unanswered").append(el("li", "Nothing yet.", "meta"));
    }
    await loadInsights();
    return true;
  }

  async function start() {
    signedIn(true);
    if (await loadKnowledge()) $("query").focus();
  }

  $("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $("token").value.trim());
    $("token").value = "";
    start();
  });

  $("sign-out").addEventListener("click", () => signOut("Token forgotten."));
  $("insights-days").addEventListener("change", loadInsights);
  $("insights-csv").addEventListener("click", downloadCsv);

  $("search-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    $("search-status").textContent = "Searching…";
    $("results").replaceChildren();
    const data = await call("agent/api/search", { query: $("query").value });
    if (!data) return;
    if (data.error) {
      $("search-status").textContent = data.error;
      return;
    }
    $("results").replaceChildren(...data.results.map(topicCard));
    $("search-status").textContent = data.results.length
      ? `${data.results.length} matching answers.`
      : "No matching answer: try other words, or browse the knowledge base below.";
  });

  if (sessionStorage.getItem(TOKEN_KEY)) start();
  else signedIn(false);
})();
