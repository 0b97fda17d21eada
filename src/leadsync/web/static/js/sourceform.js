// The add/edit form of the Lead sources tab: the browser's checks first (nothing is
// sent while they fail), then the server's 422 messages next to their fields. The
// sheet's column map is set in the preview, one column at a time.
import { api } from "./api.js";
import { announce } from "./dom.js";
import { focusColumn, headerKey, renderPreview } from "./preview.js";
import { urlProblem } from "./sheeturl.js";

const FIELDS = ["url", "label", "region", "locale", "timezone", "header_row"];
const READING = ["region", "locale", "timezone", "header_row"];
const PREFILLED = ["region", "locale", "timezone"]; // from the customer

export class SheetForm {
  constructor(form, { onSaved }) {
    this.form = form;
    this.onSaved = onSaved;
    this.editing = null;
    this.customer = null;
    this.columnMap = {}; // field -> header text, as POST/PUT /api/sheets take it
    this.title = document.getElementById("form-title");
    this.cancel = document.getElementById("cancel-edit");
    this.previewButton = document.getElementById("preview-button");
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.save();
    });
    this.previewButton.addEventListener("click", () => this.preview());
    // Columns chosen in a preview belong to the sheet previewed: another link
    // starts from the saved map (none for a new sheet) and hides that preview.
    this.input("url").addEventListener("input", () => {
      this.columnMap = { ...((this.editing && this.editing.column_map) || {}) };
      hidePreview();
    });
    this.cancel.addEventListener("click", () => this.reset(true));
  }

  input(name) {
    return this.form.elements.namedItem(name);
  }

  setCustomer(customer) {
    this.customer = customer;
    this.reset(false);
  }

  // Empty form for a new sheet, reading settings prefilled from the customer.
  reset(focus) {
    this.editing = null;
    this.columnMap = {};
    this.form.reset();
    for (const name of PREFILLED) this.input(name).value = this.customer ? this.customer[name] : "";
    this.title.textContent = "Add a sheet";
    this.cancel.hidden = true;
    this.clearErrors();
    hidePreview();
    if (focus) this.input("url").focus();
  }

  edit(sheet) {
    this.reset(false);
    this.editing = sheet;
    this.input("url").value = sheet.url;
    this.input("label").value = sheet.label;
    for (const name of PREFILLED) this.input(name).value = sheet[name] || this.customer[name];
    this.input("header_row").value = sheet.header_row ?? "";
    this.columnMap = { ...(sheet.column_map || {}) };
    this.title.textContent = `Edit “${sheet.label}”`;
    this.cancel.hidden = false;
    this.input("url").focus();
  }

  values() {
    const values = {};
    for (const name of FIELDS) values[name] = this.input(name).value.trim();
    return values;
  }

  // The browser's checks: the URL's shape, and a label whenever a URL is given.
  problems(values) {
    const found = {};
    const urlError = urlProblem(values.url);
    if (urlError) found.url = urlError;
    if (values.url && !values.label) found.label = "Give the sheet a label, e.g. “Meta lead ads”.";
    if (values.header_row && !/^[1-9][0-9]*$/.test(values.header_row)) {
      found.header_row = "A row number, e.g. 3; or leave it empty to find the header.";
    }
    return found;
  }

  body(values) {
    const body = { url: values.url, label: values.label };
    for (const name of PREFILLED) body[name] = values[name] || null;
    body.header_row = values.header_row ? Number(values.header_row) : null;
    body.column_map = this.columnMap;
    if (!this.editing) body.customer_id = this.customer.id;
    return body;
  }

  async save() {
    const values = this.values();
    if (!this.showProblems(this.problems(values))) return;
    const request = this.editing
      ? api("PUT", `/api/sheets/${this.editing.id}`, this.body(values))
      : api("POST", "/api/sheets", this.body(values));
    let saved;
    try {
      saved = await request;
    } catch (error) {
      this.showServerError(error);
      return;
    }
    const verb = this.editing ? "Saved" : "Added";
    this.reset(false);
    await this.onSaved();
    announce(`${verb} “${saved.label}”. It will sync in a moment.`, document.getElementById("sheets-status"));
    const label = document.getElementById(`sheet-${saved.id}-label`);
    if (label) label.focus();
  }

  // A column set to another field in the preview: that field now comes from this
  // column (and from no other), and the preview runs again.
  async mapColumn(column, field) {
    const key = headerKey(column.header);
    const map = Object.fromEntries(Object.entries(this.columnMap).filter(([name, header]) => headerKey(header) !== key && name !== field));
    if (field) map[field] = column.header;
    this.columnMap = map;
    const result = await this.preview((shown) => {
      const now = shown.columns.find((c) => c.letter === column.letter);
      if (!now || (now.field || "") === field) return "";
      // A column read by its header's name keeps that field until another column
      // is chosen for it: a column map names columns, it cannot exclude one.
      return now.field
        ? `Column ${column.letter} is read as ${now.field} from its header's name. To read ${now.field} from another column, choose it there.`
        : `Column ${column.letter} could not be read as ${field}.`;
    });
    if (result) focusColumn(column.letter);
  }

  // Runs the preview; noteFor(result) may give a sentence to show above it.
  async preview(noteFor = null) {
    const values = this.values();
    const problems = this.problems(values);
    delete problems.label; // a preview needs no label yet
    if (!this.showProblems(problems)) {
      hidePreview(); // it would show what the form no longer says
      return;
    }
    const body = this.body(values);
    delete body.label;
    delete body.customer_id;
    announce("Reading the sheet…");
    try {
      const result = await api("POST", "/api/sheets/preview", body);
      renderPreview(result, (column, field) => this.mapColumn(column, field), noteFor ? noteFor(result) : "");
      this.clearErrors();
      return result;
    } catch (error) {
      this.showServerError(error);
    }
  }

  clearErrors() {
    for (const name of FIELDS) this.setError(name, "");
    document.getElementById("form-error").textContent = "";
  }

  setError(name, text) {
    const input = this.input(name);
    document.getElementById(`${name}-error`).textContent = text;
    if (text) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }

  // Shows each message next to its field and focuses the first; true when none.
  showProblems(problems) {
    this.clearErrors();
    const names = FIELDS.filter((name) => problems[name]);
    for (const name of names) this.setError(name, problems[name]);
    if (names.length === 0) return true;
    if (READING.includes(names[0])) document.getElementById("reading").open = true;
    this.input(names[0]).focus();
    return false;
  }

  showServerError(error) {
    const known = Object.fromEntries(FIELDS.filter((f) => error.fields[f]).map((f) => [f, error.fields[f]]));
    if (Object.keys(known).length > 0) {
      this.showProblems(known);
      return;
    }
    this.clearErrors();
    const general = document.getElementById("form-error");
    general.textContent = error.message;
    if (error.status === 409) this.input("url").focus();
  }
}

function hidePreview() {
  document.getElementById("preview").hidden = true;
}
