// Times and states in plain words.

const UNITS = [
  ["year", 365 * 24 * 3600],
  ["month", 30 * 24 * 3600],
  ["day", 24 * 3600],
  ["hour", 3600],
  ["minute", 60],
];

export function ago(iso) {
  if (!iso) return "never";
  const seconds = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  if (seconds < 45) return "just now";
  for (const [unit, size] of UNITS) {
    const count = Math.round(seconds / size);
    if (count >= 1) return `${count} ${unit}${count === 1 ? "" : "s"} ago`;
  }
  return "just now";
}

export function timeElement(iso, text) {
  const node = document.createElement("time");
  node.textContent = text;
  if (iso) {
    node.setAttribute("datetime", iso);
    node.title = new Date(iso).toLocaleString();
  }
  return node;
}

// A lead's created_at as the sheet gave it: the date, and the time when there is one.
export function created(text) {
  if (!text) return "";
  return text.length > 10 ? `${text.slice(0, 10)} ${text.slice(11, 16)}` : text;
}

const STATUS_WORDS = {
  never: "Not synced yet",
  queued: "Queued",
  running: "Syncing…",
  ok: "OK",
  unchanged: "Unchanged",
  ignored: "Older copy, not applied",
  failed: "Failed",
};

// When the server has no message of its own (it normally has one).
const ERROR_WORDS = {
  sheet_not_public:
    'The sheet is not shared. In Google Sheets, click Share and set General access to "Anyone with the link" (Viewer).',
  sheet_not_found: "Google says this spreadsheet does not exist. Paste its link again.",
  tab_not_found: "The tab in the link does not exist any more. Paste the tab's link again.",
};

export function statusWord(state) {
  return STATUS_WORDS[state ? state.status : "never"] || String(state.status);
}

export function errorText(state) {
  if (!state || !state.error_code) return "";
  return state.error_message || ERROR_WORDS[state.error_code] || state.error_code;
}

export function countsText(state) {
  if (!state || state.status === "never") return "";
  const c = state.counts;
  const parts = [`${c.leads} ${c.leads === 1 ? "lead" : "leads"}`];
  if (c.inserted) parts.push(`${c.inserted} new`);
  if (c.updated) parts.push(`${c.updated} updated`);
  if (c.skipped) parts.push(`${c.skipped} ${c.skipped === 1 ? "row" : "rows"} skipped`);
  if (c.missing) parts.push(`${c.missing} no longer in sheet`);
  return parts.join(", ");
}

// A link to the tab in Google Sheets, built from its id and gid (never what was typed).
export function sheetLink(sheet) {
  const id = encodeURIComponent(sheet.spreadsheet_id);
  return `https://docs.google.com/spreadsheets/d/${id}/edit#gid=${encodeURIComponent(sheet.gid)}`;
}
