// What the widget and the agent console both draw: elements, notice links, an answer's
// sources and a translated answer's English original. Loaded before widget.js and agent.js; everything shown uses textContent.
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

  // Under a translated answer: "Translated from English", and a disclosure, closed by
  // default, showing the English original (its paragraphs) and the page's sentences.
  original(textEn, sources) {
    const { el, evidence } = window.privacyUi;
    const note = el("div", undefined, "translation");
    note.lang = "en";
    note.append(el("p", "Translated from English", "translated-note"));
    const details = el("details", undefined, "original");
    const english = el("div", undefined, "original-text");
    english.append(...textEn.split(/\n{2,}/).filter((p) => p.trim()).map((p) => el("p", p)));
    details.append(el("summary", "Show the English original"), english);
    if (sources.length) details.append(evidence(sources));
    note.append(details);
    return note;
  },
});
