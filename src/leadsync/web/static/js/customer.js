// Which customer the page shows. A customer's own users have one; admins choose it
// in the "Customer" select, remembered in the URL (?customer=) and in localStorage.
import { api } from "./api.js";
import { el } from "./dom.js";

const app = document.getElementById("app");
const STORE_KEY = "leadsync.customer";

export const canWrite = app.dataset.canWrite === "true";

function remembered(customers) {
  const fromUrl = new URLSearchParams(window.location.search).get("customer");
  const stored = window.localStorage.getItem(STORE_KEY);
  const ids = customers.map((c) => String(c.id));
  return [fromUrl, stored].find((id) => id && ids.includes(id)) || ids[0];
}

function remember(id) {
  const url = new URL(window.location.href);
  url.searchParams.set("customer", id);
  window.history.replaceState(null, "", url);
  window.localStorage.setItem(STORE_KEY, id);
  for (const a of document.querySelectorAll("a[data-keep-customer]")) {
    const target = new URL(a.href);
    target.searchParams.set("customer", id);
    a.setAttribute("href", target.pathname + target.search);
  }
}

// Resolves to the chosen customer (or null when there is none); calls onChange
// with the new one whenever an admin picks another.
export async function chooseCustomer(onChange) {
  const { items } = await api("GET", "/api/customers");
  if (items.length === 0) return null;
  const byId = new Map(items.map((c) => [String(c.id), c]));
  const select = document.getElementById("customer");
  const chosen = remembered(items);
  remember(chosen);
  const name = document.getElementById("customer-name");
  if (name) name.textContent = byId.get(chosen).name;
  if (select) {
    select.replaceChildren(...items.map((c) => el("option", { value: c.id }, c.name)));
    select.value = chosen;
    select.addEventListener("change", () => {
      remember(select.value);
      onChange(byId.get(select.value));
    });
  }
  return byId.get(chosen);
}
