// Shared pieces: the `html` template tag, the router, and small components
// (fields with their problems, loading and error states, formatting).

import { h } from 'preact';
import { useEffect, useState, useCallback } from 'preact/hooks';
import htm from 'htm';

export const html = htm.bind(h);

// ---- routing -------------------------------------------------------------

const routeListeners = new Set();

export function navigate(path, { replace = false } = {}) {
  if (path === location.pathname + location.search) return;
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  for (const listener of routeListeners) listener();
  window.scrollTo(0, 0);
}

export function usePath() {
  const [path, setPath] = useState(location.pathname + location.search);
  useEffect(() => {
    const update = () => setPath(location.pathname + location.search);
    routeListeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      routeListeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return path;
}

/** Same-origin links navigate in the app without a reload. */
export function interceptLinks() {
  document.addEventListener('click', (event) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const link = event.target.closest && event.target.closest('a[href]');
    if (!link || link.target || link.hasAttribute('download') || link.dataset.external !== undefined) return;
    const url = new URL(link.href, location.href);
    if (url.origin !== location.origin || url.pathname.startsWith('/graphql') || url.pathname.startsWith('/assets/')) return;
    event.preventDefault();
    navigate(url.pathname + url.search);
  });
}

// ---- data ----------------------------------------------------------------

/** Runs `load()` when `deps` change; answers {data, error, loading, reload}. */
export function useLoad(load, deps) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const run = useCallback(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, error: null, loading: false }),
      (error) => live && setState({ data: null, error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, deps);
  useEffect(run, [run]);
  return { ...state, reload: run };
}

// ---- components ----------------------------------------------------------

export function Loading({ what = 'Loading' }) {
  return html`<p class="loading" role="status">${what}…</p>`;
}

export function ErrorBox({ error, title = 'Something went wrong' }) {
  if (!error) return null;
  return html`<div class="error-box" role="alert">
    <strong>${title}</strong>
    <p>${error.message}</p>
    ${error.problems && error.problems.length > 0 &&
    html`<ul>${error.problems.map((p) => html`<li><code>${p.field}</code>: ${p.message}</li>`)}</ul>`}
  </div>`;
}

/** The problems for one field, shown under it and announced. */
export function Problems({ problems, id }) {
  if (!problems || problems.length === 0) return null;
  return html`<ul class="problems" id=${id} role="alert">
    ${problems.map((p) => html`<li>${p.message}</li>`)}
  </ul>`;
}

export function Notice({ children, kind = 'info' }) {
  return html`<div class=${'notice notice-' + kind} role="status">${children}</div>`;
}

// ---- formatting ----------------------------------------------------------

export const STAGES = ['APPLIED', 'SCREENING', 'INTERVIEWING', 'OFFER', 'HIRED', 'REJECTED', 'WITHDRAWN'];
export const LEVELS = ['JUNIOR', 'MID', 'SENIOR', 'LEAD'];
export const ROUND_KINDS = [
  'RECRUITER_SCREEN',
  'TECHNICAL_SCREEN',
  'LIVE_CODING',
  'TAKE_HOME',
  'SYSTEM_DESIGN',
  'BEHAVIORAL',
  'HIRING_MANAGER',
];
export const RECOMMENDATIONS = ['STRONG_NO', 'NO', 'YES', 'STRONG_YES'];

/** `HIRING_MANAGER` → `Hiring manager`. */
export function label(value) {
  if (!value) return '';
  const text = String(value).toLowerCase().replace(/_/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function formatDate(value, { time = true } = {}) {
  if (!value) return '—';
  const date = new Date(value);
  const options = time
    ? { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }
    : { year: 'numeric', month: 'short', day: 'numeric' };
  return date.toLocaleString('en-GB', options);
}

export function number(value, digits = 2) {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  return Number(value).toFixed(digits);
}

export function StageBadge({ stage }) {
  return html`<span class=${'badge stage-' + stage.toLowerCase()}>${label(stage)}</span>`;
}

export function StatusBadge({ status }) {
  return html`<span class=${'badge status-' + String(status).toLowerCase()}>${label(status)}</span>`;
}

/** Minutes used against a time box, as a labelled meter. */
export function MinutesMeter({ used, box }) {
  const over = used > box;
  const share = box > 0 ? Math.min(1, used / box) : 0;
  return html`<div class=${'minutes' + (over ? ' over' : '')}>
    <span class="minutes-text">${used} of ${box} min${over ? ' — over the time box' : ''}</span>
    <span class="minutes-bar" role="meter" aria-valuemin="0" aria-valuemax=${box} aria-valuenow=${used}
      aria-label=${`Minutes used: ${used} of ${box}`}>
      <span class="minutes-fill" style=${{ width: `${share * 100}%` }}></span>
    </span>
  </div>`;
}
