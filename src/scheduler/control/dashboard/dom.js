// DOM and formatting helpers of the dashboard.

export const $ = (sel) => document.querySelector(sel);

export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null) continue;
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, String(v));
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

export function svg(tag, attrs = {}, text) {
  const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

export function duration(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s - m * 60)} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${m - h * 60} min`;
}

export function when(epochMs) {
  if (epochMs === null || epochMs === undefined) return "—";
  const d = epochMs - Date.now();
  const abs = new Date(epochMs).toLocaleTimeString();
  return d >= 0 ? `in ${duration(d)} (${abs})` : `${duration(-d)} ago`;
}

export function notice(msg, ok = false) {
  const n = $("#notice");
  n.textContent = msg;
  n.className = ok ? "ok" : "";
  n.hidden = false;
}

export function statusBadge(status) {
  return el("span", { class: `badge status-${status}`, text: status });
}
