// What a sync would make of a sheet (POST /api/sheets/preview): the header found,
// how each column maps (each can be set to another field: the sheet's column map),
// the first leads, and what is skipped and why.
import { announce, clear, el } from "./dom.js";

const FIRST_ROWS = 5;
export const SKIP_WORDS = {
  blank_row: "empty rows",
  pre_header_row: "rows above the header (titles, notes)",
  repeated_header: "the header repeated further down",
  totals_row: "totals or summary rows",
  section_header: "section headings (e.g. a month's name)",
  note_row: "notes written across a row",
  test_row: "test leads",
  no_contact_fields: "rows without an email or phone number",
};
const LEAD_COLUMNS = ["name", "email", "phone", "created_at", "channel", "campaign"];
// What a column can become, in the order offered; "" keeps it as an extra column.
const BECOMES = [
  ["", "kept as an extra column"],
  ["name", "name"],
  ["first_name", "first name"],
  ["last_name", "last name"],
  ["email", "email"],
  ["phone", "phone"],
  ["created_at", "created date"],
  ["channel", "channel (source)"],
  ["campaign", "campaign"],
  ["external_id", "lead id (from the platform)"],
];

function table(caption, headers, rows) {
  return el(
    "table",
    { class: "compact" },
    el("caption", {}, caption),
    el("thead", {}, el("tr", {}, ...headers.map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, ...rows.map((cells) => el("tr", {}, ...cells.map((c) => el("td", {}, c ?? ""))))),
  );
}

// A header as the reader compares it (leads/header.py normalize_header).
export function headerKey(text) {
  return text
    .normalize("NFC")
    .replace(/[\u200b-\u200f\u2060\ufeff]/g, "")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]/gu, "");
}

// Why a column cannot be named in a column map (which names columns by header),
// or null when it can.
function unmappable(column, keys) {
  const key = headerKey(column.header);
  if (!key) return "Its header has no letter or digit: give it a name in the sheet to choose here.";
  if (keys.get(key) > 1) return `Another column has the same header: rename one in the sheet to choose between them.`;
  return null;
}

// One select per column, and the reason when it cannot be changed.
function becomes(column, onMap, keys) {
  const label = `Column ${column.letter} (${column.header || "no header"}) becomes`;
  const select = el("select", { "aria-label": label }, ...BECOMES.map(([value, text]) => el("option", { value }, text)));
  select.value = column.field || "";
  const why = onMap ? unmappable(column, keys) : null;
  if (!onMap || why) {
    select.disabled = true;
    if (why) return el("span", {}, select, el("span", { class: "help" }, ` ${why}`));
    return select;
  }
  select.addEventListener("change", () => onMap(column, select.value));
  return select;
}

function columns(result, onMap) {
  const keys = new Map();
  for (const c of result.columns) keys.set(headerKey(c.header), (keys.get(headerKey(c.header)) || 0) + 1);
  const rows = result.columns.map((c) => [c.letter, c.header, becomes(c, onMap, keys)]);
  return table("How each column maps", ["Column", "Header", "Becomes"], rows);
}

function firstLeads(result) {
  const rows = result.leads.slice(0, FIRST_ROWS).map((lead) => [String(lead.row), ...LEAD_COLUMNS.map((f) => lead[f])]);
  const caption = `The first ${rows.length} of ${result.leads.length} leads`;
  return table(caption, ["Row", "Name", "Email", "Phone", "Created", "Channel", "Campaign"], rows);
}

function skipped(result) {
  if (result.skipped.length === 0) return el("p", {}, "No row would be skipped.");
  const byReason = new Map();
  for (const { row, reason } of result.skipped) {
    byReason.set(reason, [...(byReason.get(reason) || []), row]);
  }
  const items = [...byReason].map(([reason, rows]) =>
    el("li", {}, `${rows.length} skipped: ${SKIP_WORDS[reason] || reason} (${rows.length === 1 ? "row" : "rows"} ${rows.slice(0, 10).join(", ")}${rows.length > 10 ? ", …" : ""})`),
  );
  return el("div", {}, el("h3", {}, "What would be skipped"), el("ul", {}, ...items));
}

// onMap(column, field) is called when a column is set to another field; note is
// a sentence to show first (e.g. why a choice did not stick).
export function renderPreview(result, onMap = null, note = "") {
  const section = document.getElementById("preview");
  const body = clear(document.getElementById("preview-body"));
  if (note) body.append(el("p", { class: "error", role: "status" }, note));
  if (result.status !== "ok") {
    body.append(el("p", { class: "error" }, "This sheet cannot be read:"), el("ul", {}, ...result.file_errors.map((e) => el("li", {}, e.message))));
    if (result.columns.length > 0) {
      const where = `Row ${result.header_row} looks like the header. Choose which column holds the emails or the phone numbers, and the preview runs again.`;
      body.append(el("p", {}, where), columns(result, onMap));
    }
  } else {
    const header = result.header_row ? `The header is row ${result.header_row}.` : "No header row was found.";
    const count = result.warnings.length;
    const warnings = count ? ` ${count} ${count === 1 ? "cell has a warning" : "cells have warnings"} (kept as typed).` : "";
    body.append(el("p", {}, header + warnings), columns(result, onMap), firstLeads(result), skipped(result));
  }
  section.hidden = false;
  document.getElementById("preview-title").focus();
  announce(`Preview ready: ${result.leads.length} leads, ${result.skipped.length} rows skipped.`);
}

// Focus the select of a column again after the preview ran anew (it is rebuilt).
export function focusColumn(letter) {
  const select = document.querySelector(`#preview-body select[aria-label^="Column ${CSS.escape(letter)} ("]`);
  if (select) select.focus();
}
