// While any sheet's sync is queued or running, ask for the sync state every two
// seconds; when the last one finishes, tell the page to refetch everything.
import { api, query } from "./api.js";

const BUSY = new Set(["queued", "running"]);
const INTERVAL_MS = 2000;

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
  }

  // Give it the freshest states (from any answer that carries them).
  update(states) {
    const busy = isBusy(states);
    if (busy && this.timer === null) {
      this.timer = window.setTimeout(() => this.tick(), INTERVAL_MS);
    }
    const finished = this.wasBusy && !busy;
    this.wasBusy = busy;
    if (finished) this.onDone();
  }

  async tick() {
    this.timer = null;
    try {
      const url = `/api/leads/sync-state${query({ customer_id: this.customerId })}`;
      const { items } = await api("GET", url);
      this.onStates(items);
      this.update(items);
    } catch {
      this.timer = window.setTimeout(() => this.tick(), INTERVAL_MS * 2);
    }
  }

  stop() {
    if (this.timer !== null) window.clearTimeout(this.timer);
    this.timer = null;
    this.wasBusy = false;
  }
}
