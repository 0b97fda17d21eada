// The browser's check of a Sheet URL's shape (the server checks again, fully).
const BARE_ID = /^[A-Za-z0-9_-]{25,128}$/;
const HAS_SCHEME = /^[a-z][a-z0-9+.-]*:/i;
const PUBLISHED = /^(\/a\/[^/]+)?\/spreadsheets(\/u\/\d+)?\/d\/e\//;
const SHEET_PATH = /^(\/a\/[^/]+)?\/spreadsheets(\/u\/\d+)?\/d\/[A-Za-z0-9_-]+/;

export function urlProblem(text) {
  const value = text.trim();
  if (!value) return "Paste the link of the Google Sheet.";
  if (BARE_ID.test(value)) return null;
  let url;
  try {
    url = new URL(HAS_SCHEME.test(value) ? value : `https://${value}`);
  } catch {
    return "This is not a link. Paste the link from the address bar of the open Google Sheet.";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return "Only http and https links to Google Sheets can be used.";
  }
  if (url.hostname !== "docs.google.com") {
    return "This link is not on docs.google.com, so it is not a Google Sheets link. Paste the link from the address bar of the open Google Sheet.";
  }
  if (PUBLISHED.test(url.pathname)) {
    return "This is a 'Publish to the web' link (/d/e/…). Open the sheet itself and paste the normal link from the address bar.";
  }
  if (!SHEET_PATH.test(url.pathname)) {
    return "This Google link does not point at a spreadsheet. Paste the link from the address bar while the sheet is open (docs.google.com/spreadsheets/d/…).";
  }
  return null;
}
