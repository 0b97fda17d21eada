// The Lead sources tab: the customer's sheets, with their state and actions. After
// every change the list is fetched again from the API, never patched here.
import { api, query } from "./api.js";
import { canWrite, chooseCustomer } from "./customer.js";
import { announce, clear, el, link } from "./dom.js";
import { ago, countsText, errorText, sheetLink, statusWord, timeElement } from "./format.js";
import { refreshRuns, showRuns } from "./runs.js";
import { SheetForm } from "./sourceform.js";
import { SyncWatch } from "./syncwatch.js";

const body = document.querySelector("#sheets tbody");
const status = document.getElementById("sheets-status");
let customer = null;
let watch = null;
let form = null;

async function refetch() {
  const { items } = await api("GET", `/api/sheets${query({ customer_id: customer.id })}`);
  clear(body).append(...items.map(row));
  if (items.length === 0) {
    body.append(el("tr", {}, el("td", { colspan: 6 }, "No sheets yet. Add one below.")));
  }
  watch.update(items.map((sheet) => sheet.sync_state));
  await refreshRuns(items);
  return items;
}

function row(sheet) {
  const state = sheet.sync_state;
  const labelId = `sheet-${sheet.id}-label`;
  return el(
    "tr",
    { "data-sheet-id": sheet.id },
    el("th", { scope: "row", id: labelId, tabindex: -1, "data-label": "Label" }, sheet.label),
    el("td", { "data-label": "Link" }, link(sheetLink(sheet), "Open in Google Sheets")),
    el("td", { "data-label": "Enabled" }, sheet.enabled ? "Yes" : "No (not syncing)"),
    el("td", { "data-label": "Last sync" }, timeElement(state && state.last_sync_at, ago(state && state.last_sync_at))),
    stateCell(state, sheet, labelId),
    canWrite ? actions(sheet, labelId) : null,
  );
}

function stateCell(state, sheet, labelId) {
  const error = errorText(state);
  const details = el(
    "button",
    { type: "button", class: "small link", "aria-describedby": labelId, onclick: () => showRuns(sheet).catch((e) => announce(e.message, status)) },
    "Recent syncs",
  );
  return el(
    "td",
    { "data-label": "Status", class: "state" },
    el("span", { class: `badge ${state ? state.status : "never"}` }, statusWord(state)),
    el("span", { class: "counts" }, countsText(state)),
    error ? el("p", { class: "error" }, error) : null,
    details,
  );
}

function actions(sheet, labelId) {
  const button = (text, handler, extra = "") =>
    el("button", { type: "button", class: `small ${extra}`, "aria-describedby": labelId, onclick: handler }, text);
  return el(
    "td",
    { "data-label": "Actions", class: "actions" },
    button("Sync now", () => act(sheet, syncNow)),
    button("Edit", () => form.edit(sheet), "secondary"),
    button(sheet.enabled ? "Disable" : "Enable", () => act(sheet, toggle), "secondary"),
    button("Delete", () => act(sheet, remove), "danger"),
  );
}

async function act(sheet, action) {
  try {
    const said = await action(sheet);
    if (said === null) return;
    announce(said, status);
  } catch (error) {
    announce(error.message, status);
  }
  await refetch();
}

async function syncNow(sheet) {
  await api("POST", `/api/sheets/${sheet.id}/sync`);
  return `Sync of “${sheet.label}” started.`;
}

async function toggle(sheet) {
  await api("PUT", `/api/sheets/${sheet.id}`, { enabled: !sheet.enabled });
  return `“${sheet.label}” is ${sheet.enabled ? "disabled" : "enabled"}.`;
}

async function remove(sheet) {
  const question =
    `Delete “${sheet.label}”? It stops syncing. Its leads are kept and stay on the ` +
    "Leads tab; adding the same sheet again restores it.";
  if (!window.confirm(question)) return null;
  await api("DELETE", `/api/sheets/${sheet.id}`);
  document.getElementById("sheets-title").focus();
  return `“${sheet.label}” was deleted; its leads are kept.`;
}

async function show(chosen) {
  customer = chosen;
  if (watch) watch.stop();
  watch = new SyncWatch({ customerId: customer.id, onStates: refetch, onDone: refetch });
  if (form) form.setCustomer(customer);
  await refetch();
}

// With the agency's service account configured, a sheet can stay private: say whom
// to share it with instead of asking for "Anyone with the link".
async function showServiceAccount() {
  const { email, instructions, problem } = await api("GET", "/api/service-account");
  const note = document.getElementById("service-account");
  if (!email && !problem) return;
  note.textContent = problem || instructions || `Or share a private sheet with ${email} as Viewer.`;
  note.hidden = false;
}

async function start() {
  showServiceAccount().catch(() => {});
  const chosen = await chooseCustomer(show);
  if (chosen === null) {
    announce("There is no customer yet. An administrator creates one with the command leadsync customers create NAME (or POST /api/customers).", status);
    return;
  }
  if (canWrite) form = new SheetForm(document.getElementById("sheet-form"), { onSaved: refetch });
  await show(chosen);
  window.leadsyncReady = true;
}

start().catch((error) => announce(error.message, status));
