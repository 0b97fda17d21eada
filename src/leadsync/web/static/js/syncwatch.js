// Keeps a page in step with its customer's syncs: while any sheet's sync is queued
// or running, the sync state is asked for every two seconds; otherwise every
// fifteen, so a sync the page did not see start (the schedule, another person,
// another process) is noticed too. When a sync has finished, the page refetches.
import { api, query } from "./api.js";

const BUSY = new Set(["queued", "running"]);
const INTERVAL_MS = 2000;
const IDLE_MS = 15000;

export function isBusy(states) {
  return states.some((state) => state && BUSY.has(state.status));
}

export class SyncWatch {
  constructor({ customerId, onStates, onDone }) {
    this.customerId = customerId;
    this.onStates = onStates;
    this.onDone = onDone;
    this.timer = null;
    this.wasBusy = false;
    this.finishedAt = null; // sheet id -> its last finished sync, as last seen
  }

  // Give it the freshest states (from any answer that carries them).
  update(states) {
    const busy = isBusy(states);
    // What a finished sync changes (its time is to the second: the counts too).
    const finishedAt = new Map(states.filter(Boolean).map((s) => [s.sheet_id, JSON.stringify([s.last_sync_at, s.status, s.counts, s.error_code])]));
    const seenBefore = this.finishedAt;
    const moved = seenBefore !== null && [...finishedAt].some(([id, at]) => seenBefore.has(id) && seenBefore.get(id) !== at);
    const finished = !busy && (this.wasBusy || moved);
    this.wasBusy = busy;
    this.finishedAt = finishedAt;
    this.schedule(busy ? INTERVAL_MS : IDLE_MS);
    if (finished) this.onDone();
  }

  schedule(ms) {
    if (this.timer !== null) window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => this.tick(), ms);
  }

  async tick() {
    this.timer = null;
    if (document.hidden) {
      this.schedule(IDLE_MS); // a tab in the background asks nothing
      return;
    }
    try {
      const url = `/api/leads/sync-state${query({ customer_id: this.customerId })}`;
      const { items } = await api("GET", url);
      this.onStates(items);
      this.update(items);
    } catch {
      this.schedule(INTERVAL_MS * 2);
    }
  }

  stop() {
    if (this.timer !== null) window.clearTimeout(this.timer);
    this.timer = null;
    this.wasBusy = false;
    this.finishedAt = null;
  }
}
