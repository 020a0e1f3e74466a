// api.js - the dashboard's only way to the server: same-origin JSON calls to
// /api/metrics*. Every call is bounded by a timeout. A network failure or a
// timeout rejects with an ApiError whose `offline` is true; an HTTP error
// rejects with the server's {"error"} text and its status.

const TIMEOUT_MS = 4000;

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
    const why = err.name === 'AbortError' ? 'no answer within 4 s' : 'connection failed';
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

/** The latest snapshot. Rejects with status 503 while the collector is off. */
export async function fetchLatest() {
  return (await request('/api/metrics')).body;
}

/** Collector and persistence status. */
export async function fetchStatus() {
  return (await request('/api/metrics/status')).body;
}

/**
 * Snapshots for the last `minutes`, oldest first, thinned by the server to at
 * most maxPoints. Returns {points, source, resolution}, where source and
 * resolution come from the X-Metrics-* headers ("memory"/"disk";
 * "raw"/"60"/"3600").
 */
export async function fetchHistory(minutes, maxPoints) {
  const query = new URLSearchParams({ minutes: String(minutes), max_points: String(maxPoints) });
  const { body, headers } = await request(`/api/metrics/history?${query}`);
  return {
    points: Array.isArray(body) ? body : [],
    source: headers.get('X-Metrics-Source') || 'unknown',
    resolution: headers.get('X-Metrics-Resolution') || 'unknown',
  };
}

/** Change collector settings ({enabled?, interval?}); answers the new status. */
export async function configure(changes) {
  return (await request('/api/metrics/configure', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(changes),
  })).body;
}
