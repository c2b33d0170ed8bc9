// What the widget and the agent console both draw: elements, notice links and an answer's
// sources. Loaded before widget.js and agent.js; everything shown uses textContent.
"use strict";

window.privacyUi = Object.freeze({
  el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (className) node.className = className;
    return node;
  },

  // "Our privacy page, which links to the Tracker Privacy Notice ↗", opening in a new tab;
  // only an https URL becomes the link's target.
  noticeLink(notice) {
    const { el } = window.privacyUi;
    const a = el("a", notice.label);
    if (/^https:\/\//.test(notice.url)) a.href = notice.url;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    const arrow = el("span", " ↗");
    arrow.setAttribute("aria-hidden", "true");
    a.append(arrow, el("span", " (opens in a new tab)", "visually-hidden"));
    return a;
  },

  // The privacy page's sentences an answer rests on, in a disclosure closed by default.
  evidence(sources) {
    const { el } = window.privacyUi;
    const details = el("details", undefined, "evidence");
    const quote = el("blockquote");
    quote.append(...sources.map((sentence) => el("p", sentence)));
    details.append(el("summary", "From our privacy page"), quote);
    return details;
  },
});
