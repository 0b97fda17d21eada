// One lead in full (GET /api/leads/{id} and its history): every value the sheet
// gave, the answers kept beside them, its warnings and every change, by a sync or
// a person. The table shows a few columns; this shows the rest.
import { api } from "./api.js";
import { announce, clear, el } from "./dom.js";
import { ago, created, timeElement } from "./format.js";
import { WARNING_WORDS } from "./runs.js";

const FIELD_WORDS = {
  name: "Name",
  email: "Email",
  phone: "Phone",
  created_at: "Created",
  channel: "Channel",
  campaign: "Campaign",
  external_id: "Lead id",
  secondary_emails: "Other emails",
  status: "Status",
  notes: "Notes",
};
let shown = null; // the id of the lead shown

function list(pairs) {
  const rows = pairs.filter(([, value]) => value !== null && value !== undefined && value !== "");
  if (rows.length === 0) return el("p", {}, "None.");
  return el("dl", { class: "pairs" }, ...rows.flatMap(([term, value]) => [el("dt", {}, term), el("dd", {}, value)]));
}

function change(item) {
  const field = item.field.startsWith("extra.") ? `“${item.field.slice(6)}”` : FIELD_WORDS[item.field] || item.field;
  const by = item.actor === "sync" ? "a sync" : "a person";
  const from = item.old_value === null ? "(empty)" : `“${item.old_value}”`;
  const to = item.new_value === null ? "(empty)" : `“${item.new_value}”`;
  return el("li", {}, timeElement(item.changed_at, ago(item.changed_at)), `: ${field} ${from} → ${to}, by ${by}`);
}

export async function showLead(id, sheetNames, { focus = true } = {}) {
  const [lead, history] = await Promise.all([api("GET", `/api/leads/${id}`), api("GET", `/api/leads/${id}/history`)]);
  shown = id;
  const who = lead.name || lead.email || lead.phone || `Lead ${lead.id}`;
  document.getElementById("lead-details-title").textContent = `Lead: ${who}`;
  const sheet = sheetNames.get(lead.sheet_id) || `sheet ${lead.sheet_id}`;
  const body = clear(document.getElementById("lead-details-body"));
  body.append(
    list([
      ["Email", lead.email],
      ["Other emails", (lead.secondary_emails || []).join(", ")],
      ["Phone", lead.phone],
      ["Created", created(lead.created_at)],
      ["Channel", lead.channel],
      ["Campaign", lead.campaign],
      ["Lead id", lead.external_id],
      ["Sheet", lead.row ? `${sheet}, row ${lead.row}` : sheet],
      ["First seen", lead.first_seen_at ? ago(lead.first_seen_at) : null],
      ["Last seen in the sheet", lead.last_seen_at ? ago(lead.last_seen_at) : null],
      ["No longer in the sheet since", lead.missing_since ? ago(lead.missing_since) : null],
      ["Status", lead.status],
      ["Notes", lead.notes],
    ]),
    el("h3", {}, "Other columns of its row"),
    list(Object.entries(lead.extra || {})),
    el("h3", {}, "Warnings"),
    (lead.warnings || []).length
      ? el("ul", {}, ...lead.warnings.map((code) => el("li", {}, WARNING_WORDS[code] || code)))
      : el("p", {}, "None."),
    el("h3", {}, "Changes"),
    history.items.length ? el("ul", {}, ...history.items.map(change)) : el("p", {}, "No value has changed since it was first read."),
  );
  document.getElementById("lead-details").hidden = false;
  if (focus) {
    document.getElementById("lead-details-title").focus();
    announce(`Details of ${who}.`);
  }
}

// After the leads are fetched again, or one was saved: the shown lead again (it
// may have changed), focus left where it was. Only ``id``, when given.
export async function refreshLead(sheetNames, id = null) {
  if (shown === null || document.getElementById("lead-details").hidden) return;
  if (id !== null && id !== shown) return;
  const focused = document.activeElement;
  await showLead(shown, sheetNames, { focus: false }).catch(() => hideLead());
  if (focused instanceof HTMLElement && focused.isConnected) focused.focus();
}

// Closes the panel; gives the id of the lead it showed (to focus its row again).
export function hideLead() {
  const id = shown;
  shown = null;
  document.getElementById("lead-details").hidden = true;
  return id;
}
