// The Leads tab: the sync state of each sheet, filters, a chart and a page of leads.
// While a sync runs the page says so, and refetches by itself when it is done.
import { api, query } from "./api.js";
import { drawChart } from "./chart.js";
import { canWrite, chooseCustomer } from "./customer.js";
import { announce, clear, el } from "./dom.js";
import { ago, countsText, errorText, statusWord, timeElement } from "./format.js";
import { hideLead, refreshLead, showLead } from "./leaddetails.js";
import { leadRow } from "./leadrow.js";
import { isBusy, SyncWatch } from "./syncwatch.js";

const PAGE_SIZE = 50;
const CHART_PAGES = 20; // the chart counts at most the newest 10,000 leads
const $ = (id) => document.getElementById(id);
const filtersForm = $("filters");
const page = { cursors: [null], index: 0, next: null };
let customer = null;
let sheetNames = new Map();
let watch = null;

function filters() {
  const value = (name) => filtersForm.elements.namedItem(name).value.trim();
  const until = value("until");
  return {
    customer_id: customer.id,
    sheet_id: value("sheet"),
    q: value("q"),
    since: value("since"),
    // "To" is the last day shown; the API's until is the first day not shown.
    until: until ? new Date(Date.parse(`${until}T00:00:00Z`) + 86400000).toISOString().slice(0, 10) : "",
  };
}

async function loadSheets() {
  const { items } = await api("GET", `/api/sheets${query({ customer_id: customer.id })}`);
  sheetNames = new Map(items.map((s) => [s.id, s.label]));
  const select = $("sheet");
  const chosen = select.value;
  select.replaceChildren(el("option", { value: "" }, "All sheets"), ...items.map((s) => el("option", { value: s.id }, s.label)));
  select.value = sheetNames.has(Number(chosen)) ? chosen : "";
}

function showStates(states) {
  const items = states.map((state) =>
    el(
      "li",
      { "data-sheet-id": state.sheet_id },
      el("strong", {}, sheetNames.get(state.sheet_id) || `Sheet ${state.sheet_id}`),
      el("span", { class: `badge ${state.status}` }, statusWord(state)),
      el("span", {}, "last synced ", timeElement(state.last_sync_at, ago(state.last_sync_at))),
      el("span", { class: "counts" }, countsText(state)),
      errorText(state) ? el("span", { class: "error" }, errorText(state)) : null,
    ),
  );
  clear($("sync-states")).append(...items);
  if (states.length === 0) $("sync-states").append(el("li", {}, "No sheets yet: add one on the Lead sources tab."));
  $("sync-running").textContent = isBusy(states) ? "A sync is running… the leads will refresh by themselves when it is done." : "";
}

async function loadLeads() {
  const params = { ...filters(), cursor: page.cursors[page.index], limit: PAGE_SIZE };
  const data = await api("GET", `/api/leads${query(params)}`);
  const onDetails = (id) => showLead(id, sheetNames).catch((error) => announce(error.message));
  const onSaved = (id) => refreshLead(sheetNames, id);
  const context = { canWrite, sheetNames, onDetails, onSaved };
  const body = clear(document.querySelector("#leads tbody"));
  body.append(...data.items.map((lead) => leadRow(lead, context)));
  if (data.items.length === 0) body.append(el("tr", {}, el("td", { colspan: 9 }, "No leads match.")));
  page.next = data.next_cursor;
  $("prev-page").disabled = page.index === 0;
  $("next-page").disabled = !page.next;
  $("page-number").textContent = `Page ${page.index + 1}`;
  const n = data.items.length;
  $("leads-status").textContent = `${n} ${n === 1 ? "lead" : "leads"} on this page.`;
  showStates(data.sync_state);
  watch.update(data.sync_state);
}

async function loadChart() {
  const f = filters();
  const leads = [];
  let cursor = null;
  let pages = 0;
  do {
    const data = await api("GET", `/api/leads${query({ ...f, cursor, limit: 500 })}`);
    leads.push(...data.items);
    cursor = data.next_cursor;
    pages += 1;
  } while (cursor && pages < CHART_PAGES);
  const by = $("group").value;
  const seriesOf = by === "sheet" ? (l) => sheetNames.get(l.sheet_id) || `Sheet ${l.sheet_id}` : channelOf(leads);
  const since = f.since;
  const until = filtersForm.elements.namedItem("until").value;
  const range = since || until ? { first: since || "0000-01-01", last: until || "9999-12-31" } : null;
  drawChart($("chart"), leads, { seriesOf, range: clampRange(range, leads), by, truncated: Boolean(cursor) });
}

// Channels as the sheets spell them, counting "IG" and "ig" as one.
function channelOf(leads) {
  const key = (lead) => (lead.channel || "").trim().toLowerCase();
  const spelling = new Map();
  for (const lead of leads) if (key(lead) && !spelling.has(key(lead))) spelling.set(key(lead), lead.channel.trim());
  return (lead) => spelling.get(key(lead)) || "(no channel)";
}

// An open end of the range is where the leads start or stop.
function clampRange(range, leads) {
  if (!range) return null;
  const days = leads.map((l) => l.created_at && l.created_at.slice(0, 10)).filter(Boolean).sort();
  const first = range.first === "0000-01-01" ? days[0] : range.first;
  const last = range.last === "9999-12-31" ? days[days.length - 1] : range.last;
  return first && last ? { first, last } : null;
}

function exportLink() {
  const { cursor, limit, ...f } = { ...filters() };
  $("export").setAttribute("href", `/api/leads/export.csv${query(f)}`);
}

async function refetchAll() {
  await loadSheets();
  exportLink();
  await Promise.all([loadLeads(), loadChart()]);
  await refreshLead(sheetNames);
}

async function show(chosen) {
  customer = chosen;
  hideLead(); // another customer's lead must not stay on screen
  if (watch) watch.stop();
  watch = new SyncWatch({ customerId: customer.id, onStates: showStates, onDone: refetchAll });
  page.cursors = [null];
  page.index = 0;
  await refetchAll();
}

function wire() {
  $("lead-details-close").addEventListener("click", () => {
    const id = hideLead();
    const opener = document.querySelector(`tr[data-lead-id="${id}"] button.lead-open`);
    (opener || $("leads-title")).focus();
  });
  filtersForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    page.cursors = [null];
    page.index = 0;
    exportLink();
    await Promise.all([loadLeads(), loadChart()]);
    announce("Filters applied.");
  });
  $("group").addEventListener("change", () => loadChart());
  $("next-page").addEventListener("click", async () => {
    page.cursors[page.index + 1] = page.next;
    page.index += 1;
    await loadLeads();
    $("leads-title").focus();
  });
  $("prev-page").addEventListener("click", async () => {
    page.index = Math.max(0, page.index - 1);
    await loadLeads();
    $("leads-title").focus();
  });
}

async function start() {
  const chosen = await chooseCustomer(show);
  if (chosen === null) {
    announce("There is no customer yet. An administrator creates one with the command leadsync customers create NAME (or POST /api/customers).", $("leads-status"));
    return;
  }
  wire();
  await show(chosen);
  window.leadsyncReady = true;
}

start().catch((error) => announce(error.message, $("leads-status")));
