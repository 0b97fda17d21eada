// "Recent syncs" of one sheet (GET /api/sync-runs): when each ran, what came of it,
// and for the newest finished run which rows were skipped and which cells warned,
// so a person can see why a lead did not show up.
import { api, query } from "./api.js";
import { announce, clear, el } from "./dom.js";
import { ago, countsText, statusWord, timeElement } from "./format.js";
import { SKIP_WORDS } from "./preview.js";

const RUNS = 10;
export const WARNING_WORDS = {
  phone_sci_notation_recovered: "phone shown as 1.2E+10, read in full",
  phone_precision_lost: "phone shown as 1.2E+10 lost digits: not read",
  phone_country_code_without_plus: "phone with a country code but no +, read as international",
  phone_unparseable: "not a phone number for the sheet's region: not read",
  phone_placeholder: "a placeholder phone (one digit repeated): not read",
  phone_extension_dropped: "phone extension left out of the number",
  apostrophe_stripped: "leading apostrophe removed",
  invisible_chars_removed: "invisible characters removed",
  formula_error_value: "a formula error (#N/A, #REF!…): left empty",
  formula_pending_value: 'a formula still calculating ("Loading..."): left empty',
  email_invalid: "not a valid email address: not read",
  email_trailing_dot_stripped: "trailing dot removed from the email",
  email_mailto_stripped: "mailto: removed",
  email_display_name_stripped: "name removed around the email address",
  multiple_emails_in_cell: "several emails: the first is the lead's, the others kept",
  date_invalid_for_locale: "a date that does not exist for the sheet's locale: not read",
  date_serial_converted: "a Sheets date number read as a date",
  date_unparseable: "not a complete date: not read",
  date_out_of_range: "a date at the calendar's edge with no UTC instant: not read",
  mojibake_repaired: "garbled accents repaired",
  name_recased: "name re-cased",
  name_has_no_letters: "name has no letters",
  markup_in_text: "HTML kept as plain text",
  formula_like_value: "starts like a formula (kept as typed)",
  id_precision_lost: "lead id shown as 1.2E+15: not used",
  id_too_long: "lead id longer than 128 characters: not used",
  row_wider_than_header: "a value beyond the last named column, kept",
  duplicate_in_batch: "another row has the same lead: merged",
  duplicate_header: "a column repeats another's header",
  unmapped_column: "kept as an extra column (its header names no lead field)",
  unnamed_column_with_data: "a column without a header has data, kept",
  mapped_field_missing: "a column the sheet had before is gone: its values are kept",
  lead_rekeyed: "a lead's key changed kind: the same lead was kept",
  stale_snapshot_ignored: "Google gave an older copy of the sheet: not applied",
};
const SHOWN_WARNINGS = 20;

let current = null; // the sheet whose runs are shown

export async function showRuns(sheet, { focus = true } = {}) {
  current = sheet;
  const section = document.getElementById("runs");
  const { items } = await api("GET", `/api/sync-runs${query({ sheet_id: sheet.id, limit: RUNS })}`);
  document.getElementById("runs-title").textContent = `Recent syncs of “${sheet.label}”`;
  const body = clear(document.getElementById("runs-body"));
  if (items.length === 0) body.append(el("p", {}, "This sheet has not been synced yet."));
  else body.append(runsTable(items), ...details(items));
  section.hidden = false;
  if (focus) {
    document.getElementById("runs-title").focus();
    announce(`${items.length} recent syncs of “${sheet.label}”.`);
  }
}

// After the list is fetched again (a save, a sync that finished): the shown sheet
// again, or nothing if it is gone.
export async function refreshRuns(sheets) {
  if (!current) return;
  const sheet = sheets.find((s) => s.id === current.id);
  if (!sheet) {
    current = null;
    document.getElementById("runs").hidden = true;
    return;
  }
  await showRuns(sheet, { focus: false });
}

function runsTable(runs) {
  const rows = runs.map((run) =>
    el(
      "tr",
      {},
      el("td", {}, timeElement(run.started_at, ago(run.started_at))),
      el("td", {}, run.trigger === "manual" ? "Sync now" : "Scheduled"),
      el("td", {}, el("span", { class: `badge ${run.status}` }, statusWord(run)), run.error_message ? el("p", { class: "error" }, run.error_message) : null),
      el("td", {}, run.status === "running" ? "" : countsText(run)),
    ),
  );
  return el(
    "table",
    { class: "compact" },
    el("caption", {}, "Recent syncs, newest first"),
    el("thead", {}, el("tr", {}, ...["When", "How", "Result", "Leads"].map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, ...rows),
  );
}

// The samples of the newest run that read the sheet (an unchanged run reads
// nothing new and a failed one nothing at all): skipped rows by reason, warnings.
function details(runs) {
  const run = runs.find((r) => r.status === "ok");
  const newest = runs.find((r) => r.finished_at);
  const parts = [];
  if (newest && newest.status === "failed") {
    parts.push(el("p", { class: "error" }, `The last sync failed, so it read nothing: ${newest.error_message || newest.error_code}`));
  } else if (newest && newest.status === "unchanged") {
    parts.push(el("p", {}, "The sheet has not changed since the sync below read it."));
  }
  if (!run) {
    parts.push(el("p", {}, `None of the last ${runs.length} syncs read the sheet.`));
    return parts;
  }
  const skipped = run.samples.skipped || [];
  const warnings = run.samples.warnings || [];
  parts.push(el("h3", {}, `In the last sync that read the sheet (${ago(run.finished_at)})`));
  if (skipped.length === 0 && warnings.length === 0) {
    parts.push(el("p", {}, "No row was skipped and no cell had a warning."));
    return parts;
  }
  if (skipped.length) {
    const byReason = new Map();
    for (const { row, reason } of skipped) byReason.set(reason, [...(byReason.get(reason) || []), row]);
    const more = run.counts.skipped > skipped.length ? ` (the first ${skipped.length} of ${run.counts.skipped})` : "";
    parts.push(
      el("p", {}, `Rows skipped${more}:`),
      el("ul", {}, ...[...byReason].map(([reason, rows]) => el("li", {}, `${SKIP_WORDS[reason] || reason}: ${rows.length === 1 ? "row" : "rows"} ${rows.join(", ")}`))),
    );
  }
  const columns = warnings.filter((w) => !w.row);
  const cells = warnings.filter((w) => w.row);
  if (columns.length) {
    // Column-level warnings once per kind: a wide form has many extra columns.
    const byCode = new Map();
    for (const w of columns) byCode.set(w.code, [...(byCode.get(w.code) || []), w.column || w.field]);
    parts.push(
      el("p", {}, "Columns:"),
      el("ul", {}, ...[...byCode].map(([code, names]) => el("li", {}, `${names.filter(Boolean).join(", ") || "the sheet"}: ${WARNING_WORDS[code] || code}`))),
    );
  }
  if (cells.length) {
    const shown = cells.slice(0, SHOWN_WARNINGS);
    const more = warnings.length < run.counts.warnings || cells.length > shown.length;
    parts.push(
      el("p", {}, `Cells with a warning${more ? ` (the first ${shown.length} of ${run.counts.warnings - columns.length})` : ""}:`),
      el("ul", {}, ...shown.map((w) => el("li", {}, `${where(w)}: ${WARNING_WORDS[w.code] || w.code}`))),
    );
  }
  return parts;
}

function where(warning) {
  if (warning.row && warning.column) return `Row ${warning.row}, column ${warning.column}`;
  if (warning.row) return `Row ${warning.row}`;
  if (warning.column) return `Column ${warning.column}`;
  return "The sheet";
}
