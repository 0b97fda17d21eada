// Building the page from data. Text from a sheet is only ever set as text (append
// and textContent), never parsed as HTML, and only http(s) values become links.

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "text") node.textContent = String(value);
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "href") throw new Error("use link() for hrefs");
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

const SVG_NS = "http://www.w3.org/2000/svg";

export function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  node.append(...children);
  return node;
}

// An absolute http(s) URL, or null: javascript:, data: and friends never link.
export function safeHref(value) {
  try {
    const url = new URL(String(value));
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}

export function link(href, text, attrs = {}) {
  const safe = safeHref(href);
  if (safe === null) return el("span", {}, text);
  const node = el("a", { rel: "noopener noreferrer", target: "_blank", ...attrs }, text);
  node.setAttribute("href", safe);
  return node;
}

// Says something to screen readers (and shows it where the page has room).
export function announce(text, where = document.getElementById("announce")) {
  if (where) where.textContent = text;
}

export function clear(node) {
  node.replaceChildren();
  return node;
}
