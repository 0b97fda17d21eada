// Leads per day (or per week over long ranges), stacked by channel or sheet, as
// inline SVG. The numbers are also given as a table for screen readers.
import { clear, el, svg } from "./dom.js";

const COLORS = ["#2563eb", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#94a3b8"];
const MAX_SERIES = 5; // the rest are drawn as "Other"
const MAX_DAYS = 92;
const DAY_MS = 24 * 3600 * 1000;
const HEIGHT = 220;
const PAD = { left: 36, right: 8, top: 10, bottom: 24 };

const toDay = (ms) => new Date(ms).toISOString().slice(0, 10);
const dayMs = (day) => Date.parse(`${day}T00:00:00Z`);

function mondayOf(day) {
  const ms = dayMs(day);
  return toDay(ms - ((new Date(ms).getUTCDay() + 6) % 7) * DAY_MS);
}

// The buckets from the first to the last day, one a day or one a week.
function buckets(first, last) {
  const weekly = (dayMs(last) - dayMs(first)) / DAY_MS > MAX_DAYS;
  const start = weekly ? mondayOf(first) : first;
  const step = weekly ? 7 * DAY_MS : DAY_MS;
  const keys = [];
  for (let ms = dayMs(start); ms <= dayMs(last); ms += step) keys.push(toDay(ms));
  return { keys, weekly, key: weekly ? mondayOf : (day) => day };
}

function seriesNames(leads, seriesOf) {
  const totals = new Map();
  for (const lead of leads) totals.set(seriesOf(lead), (totals.get(seriesOf(lead)) || 0) + 1);
  const names = [...totals].sort((a, b) => b[1] - a[1]).map(([name]) => name);
  return names.length > MAX_SERIES + 1 ? [...names.slice(0, MAX_SERIES), "Other"] : names;
}

function count(leads, range, seriesOf) {
  const dated = leads.filter((l) => l.created_at && l.created_at.slice(0, 10) >= range.first && l.created_at.slice(0, 10) <= range.last);
  const names = seriesNames(dated, seriesOf);
  const plan = buckets(range.first, range.last);
  const table = new Map(plan.keys.map((k) => [k, new Map(names.map((n) => [n, 0]))]));
  for (const lead of dated) {
    const name = names.includes(seriesOf(lead)) ? seriesOf(lead) : "Other";
    const cell = table.get(plan.key(lead.created_at.slice(0, 10)));
    if (cell) cell.set(name, cell.get(name) + 1);
  }
  return { names, plan, table, total: dated.length };
}

function bars(data, width) {
  const { plan, table, names } = data;
  const max = Math.max(1, ...[...table.values()].map((m) => [...m.values()].reduce((a, b) => a + b, 0)));
  const innerW = width - PAD.left - PAD.right;
  const innerH = HEIGHT - PAD.top - PAD.bottom;
  const slot = innerW / plan.keys.length;
  const shapes = [];
  plan.keys.forEach((key, i) => {
    let y = PAD.top + innerH;
    names.forEach((name, s) => {
      const n = table.get(key).get(name);
      if (!n) return;
      const h = (n / max) * innerH;
      y -= h;
      const rect = svg("rect", { x: PAD.left + i * slot + slot * 0.1, y, width: Math.max(1, slot * 0.8), height: h, fill: COLORS[s % COLORS.length] });
      rect.append(svg("title", {}, `${key}: ${n} × ${name}`));
      shapes.push(rect);
    });
  });
  const axis = (x, y, text, anchor) => svg("text", { x, y, "text-anchor": anchor, class: "axis" }, text);
  const last = plan.keys[plan.keys.length - 1];
  shapes.push(
    svg("line", { x1: PAD.left, y1: PAD.top + innerH, x2: width - PAD.right, y2: PAD.top + innerH, class: "baseline" }),
    axis(PAD.left - 6, PAD.top + 10, String(max), "end"),
    axis(PAD.left - 6, PAD.top + innerH, "0", "end"),
    axis(PAD.left, HEIGHT - 6, plan.keys[0], "start"),
    axis(width - PAD.right, HEIGHT - 6, last, "end"),
  );
  return shapes;
}

function numbers(data) {
  const rows = [...data.table].filter(([, m]) => [...m.values()].some(Boolean));
  return el(
    "details",
    {},
    el("summary", {}, "Show the numbers"),
    el(
      "table",
      { class: "compact" },
      el("thead", {}, el("tr", {}, el("th", { scope: "col" }, data.plan.weekly ? "Week of" : "Day"), ...data.names.map((n) => el("th", { scope: "col" }, n)))),
      el("tbody", {}, ...rows.map(([key, m]) => el("tr", {}, el("th", { scope: "row" }, key), ...data.names.map((n) => el("td", {}, String(m.get(n))))))),
    ),
  );
}

// range: { first, last } as YYYY-MM-DD, or null to span the leads' own dates.
export function drawChart(figure, leads, { seriesOf, range, by, truncated }) {
  clear(figure);
  const days = leads.map((l) => l.created_at && l.created_at.slice(0, 10)).filter(Boolean).sort();
  const span = range || (days.length ? { first: days[0], last: days[days.length - 1] } : null);
  if (!span || span.first > span.last) {
    figure.append(el("figcaption", {}, "No leads with a date in this range."));
    return;
  }
  const data = count(leads, span, seriesOf);
  const per = data.plan.weekly ? "week" : "day";
  const summary = `${data.total} leads from ${span.first} to ${span.last}, per ${per}, by ${by}`;
  const width = Math.max(320, Math.round(figure.clientWidth || 720));
  const picture = svg("svg", { viewBox: `0 0 ${width} ${HEIGHT}`, role: "img", "aria-label": summary, class: "bars" }, ...bars(data, width));
  const legend = el("ul", { class: "legend" }, ...data.names.map((name, s) => el("li", {}, swatch(s), name)));
  const note = truncated ? " (only the newest leads are counted)" : "";
  figure.append(picture, el("figcaption", {}, summary + note, legend), numbers(data));
}

function swatch(index) {
  const box = svg("svg", { width: 12, height: 12, "aria-hidden": "true" }, svg("rect", { width: 12, height: 12, fill: COLORS[index % COLORS.length] }));
  return box;
}
