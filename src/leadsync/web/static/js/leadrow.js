// One row of the Leads table. Editors change status and notes in place (PATCH
// /api/leads/{id}); the row is then drawn again from the API's answer.
import { api } from "./api.js";
import { announce, el } from "./dom.js";
import { created } from "./format.js";

export const LEAD_STATUSES = ["new", "contacted", "qualified", "won", "lost", "spam"];

function who(lead) {
  return lead.name || lead.email || lead.phone || `lead ${lead.id}`;
}

async function save(lead, change, row, context) {
  try {
    const updated = await api("PATCH", `/api/leads/${lead.id}`, change);
    const had = document.activeElement;
    const fresh = leadRow(updated, context);
    row.replaceWith(fresh);
    if (had && row.contains(had)) {
      // The control that was used, in the row drawn again.
      const label = had.getAttribute("aria-label");
      const again = label ? [...fresh.querySelectorAll("[aria-label]")].find((n) => n.getAttribute("aria-label") === label) : null;
      if (again) again.focus();
    }
    announce(`Saved ${Object.keys(change)[0]} of ${who(updated)}.`);
    await context.onSaved(lead.id);
  } catch (error) {
    announce(`Not saved: ${error.message}`);
    row.replaceWith(leadRow(lead, context));
  }
}

function statusCell(lead, context, row) {
  if (!context.canWrite) return el("td", { "data-label": "Status" }, lead.status);
  const select = el(
    "select",
    { "aria-label": `Status of ${who(lead)}` },
    ...LEAD_STATUSES.map((s) => el("option", { value: s }, s)),
  );
  select.value = lead.status;
  select.addEventListener("change", () => save(lead, { status: select.value }, row(), context));
  return el("td", { "data-label": "Status" }, select);
}

function notesCell(lead, context, row) {
  if (!context.canWrite) return el("td", { "data-label": "Notes", class: "notes" }, lead.notes || "");
  const input = el("input", { type: "text", "aria-label": `Notes for ${who(lead)}`, maxlength: 10000 });
  input.value = lead.notes || "";
  input.addEventListener("change", () => save(lead, { notes: input.value }, row(), context));
  return el("td", { "data-label": "Notes", class: "notes" }, input);
}

// The name opens the lead's details (every value, its other columns, its history).
function nameCell(lead, context) {
  const missing = lead.missing_since
    ? el("span", { class: "badge missing", title: `Gone from the sheet since ${lead.missing_since}` }, "no longer in sheet")
    : null;
  const open = el(
    "button",
    {
      type: "button",
      class: "name lead-open",
      // The visible text first (it is what voice control users say).
      "aria-label": lead.name ? `Details of ${lead.name}` : `Details of (no name), ${who(lead)}`,
      onclick: () => context.onDetails(lead.id),
    },
    lead.name || "(no name)",
  );
  return el("td", { "data-label": "Name" }, open, missing);
}

// context: { canWrite, sheetNames: Map(id -> label), onDetails(leadId), onSaved(leadId) }
export function leadRow(lead, context) {
  let tr = null;
  const current = () => tr;
  tr = el(
    "tr",
    { "data-lead-id": lead.id, class: lead.missing_since ? "missing" : null },
    nameCell(lead, context),
    el("td", { "data-label": "Email" }, lead.email || ""),
    el("td", { "data-label": "Phone" }, lead.phone || ""),
    el("td", { "data-label": "Channel" }, lead.channel || ""),
    el("td", { "data-label": "Campaign" }, lead.campaign || ""),
    el("td", { "data-label": "Created", class: "created" }, created(lead.created_at)),
    el("td", { "data-label": "Sheet" }, context.sheetNames.get(lead.sheet_id) || `sheet ${lead.sheet_id}`),
    statusCell(lead, context, current),
    notesCell(lead, context, current),
  );
  return tr;
}
