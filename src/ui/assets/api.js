// api.js - the dashboard's only way to the server: same-origin JSON calls to
// /api/metrics*. Every call is bounded by a timeout. A network failure or a
// timeout rejects with an ApiError whose `offline` is true; an HTTP error
// rejects with the server's {"error"} text and its status. Optional APIs
// (lifecycle events) answer null when this server does not have them.
//
// The API token, when the user gives one (only needed to change the
// collector when the server has an api_token), lives in sessionStorage: it
// is gone when the tab closes and is sent only with configure.

const TIMEOUT_MS = 8000;
const TOKEN_KEY = 'hirocli.api_token';

export class ApiError extends Error {
  constructor(message, { status = 0, offline = false } = {}) {
    super(message);
    this.status = status;
    this.offline = offline;
  }
}

async function request(path, options = {}) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  let response;
  try {
    response = await fetch(path, { ...options, signal: controller.signal, cache: 'no-store' });
  } catch (err) {
    const why = err.name === 'AbortError' ? `no answer within ${TIMEOUT_MS / 1000} s` : 'connection failed';
    throw new ApiError(why, { offline: true });
  } finally {
    clearTimeout(timer);
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    // An empty or non-JSON body: report the status below.
  }
  if (!response.ok) {
    const reason = body && body.error ? body.error : `HTTP ${response.status}`;
    throw new ApiError(reason, { status: response.status });
  }
  return { body, headers: response.headers };
}

/** Collector and persistence status. */
export async function fetchStatus() {
  return (await request('/api/metrics/status')).body;
}

/**
 * Snapshots in [from, to] (Unix seconds; to omitted = now), oldest first, at
 * most maxPoints, each number the bucket's `agg` (avg|min|max) when rolled up.
 * Returns {points, source, resolution, step, gaps}: resolution is 0 for raw
 * samples, else seconds per bucket; step is the expected seconds between
 * points when the server says so (X-Metrics-Interval), else null.
 */
export async function fetchHistory({ from, to, maxPoints, agg = 'avg' }) {
  const query = new URLSearchParams({ from: from.toFixed(3), max_points: String(maxPoints) });
  if (to !== undefined && to !== null) query.set('to', to.toFixed(3));
  if (agg !== 'avg') query.set('agg', agg);
  const { body, headers } = await request(`/api/metrics/history?${query}`);
  const res = headers.get('X-Metrics-Resolution') || 'raw';
  const step = Number(headers.get('X-Metrics-Interval'));
  return {
    points: Array.isArray(body) ? body : [],
    source: headers.get('X-Metrics-Source') || 'unknown',
    resolution: res === 'raw' ? 0 : Number(res) || 0,
    step: step > 0 ? step : null,
  };
}

let eventsMissing = false;

/** Lifecycle events in [from, to], oldest first; null when this server has no events API. */
export async function fetchEvents({ from, to }) {
  if (eventsMissing) return null;
  const query = new URLSearchParams({ from: from.toFixed(3) });
  if (to !== undefined && to !== null) query.set('to', to.toFixed(3));
  try {
    const { body } = await request(`/api/metrics/events?${query}`);
    return Array.isArray(body) ? body : null;
  } catch (err) {
    if (err.status === 404) {
      eventsMissing = true;
      return null;
    }
    throw err;
  }
}

export function getToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY) || '';
  } catch {
    return '';
  }
}

export function setToken(token) {
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // Storage disabled: the token is simply not kept.
  }
}

/** Change collector settings ({enabled?, interval?}); answers the new status. */
export async function configure(changes) {
  const headers = { 'Content-Type': 'application/json' };
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  return (await request('/api/metrics/configure', {
    method: 'POST',
    headers,
    body: JSON.stringify(changes),
  })).body;
}
