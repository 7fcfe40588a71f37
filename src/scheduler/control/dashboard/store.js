// The dashboard's state, its reads of the control plane and its actions (which ask for the token).
import { $, notice } from "./dom.js";

/** Set by app.js: re-read the routes after an action. */
export const hooks = { refresh: async () => {} };

export const TERMINAL = new Set(["finished", "failed", "stopped"]);
export const state = {
  tasks: [],
  runs: new Map(),
  streams: [],
  deadLetters: [],
  lastStats: new Map(),
  graphs: [],
  instances: new Map(),
  selectedNode: new Map(),
  token: sessionStorage.getItem("mass.token") ?? "",
  loopback: true,
};

export function authHeaders() {
  return state.token ? { authorization: `Bearer ${state.token}` } : {};
}

export async function getJson(path) {
  const res = await fetch(path, { headers: authHeaders(), cache: "no-store" });
  if (res.status === 401) throw Object.assign(new Error("401"), { status: 401 });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return res.json();
}

// ---- token --------------------------------------------------------------------------------

export function askToken() {
  const dialog = $("#token-dialog");
  const input = $("#token-input");
  input.value = state.token;
  return new Promise((resolve) => {
    dialog.addEventListener(
      "close",
      () => {
        if (dialog.returnValue === "ok") {
          state.token = input.value.trim();
          if (state.token) sessionStorage.setItem("mass.token", state.token);
          else sessionStorage.removeItem("mass.token");
          resolve(true);
        } else resolve(false);
      },
      { once: true },
    );
    dialog.showModal();
    input.focus();
  });
}

export async function act(label, method, path, body) {
  if (!state.token && !(await askToken())) return;
  const res = await fetch(path, {
    method,
    headers: { ...authHeaders(), ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 401) {
    state.token = "";
    sessionStorage.removeItem("mass.token");
    notice(`${label}: refused (401) — the token is missing or wrong; click the button again to enter it`);
    return;
  }
  const text = await res.text();
  if (!res.ok) {
    let message = text;
    try {
      message = JSON.parse(text).message;
    } catch {}
    notice(`${label}: HTTP ${res.status} — ${message}`);
    return;
  }
  notice(`${label}: done`, true);
  await hooks.refresh();
}

// ---- rendering ----------------------------------------------------------------------------
