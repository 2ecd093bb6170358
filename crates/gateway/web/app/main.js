// The app's entry: the session gate, the navigation for the user's role,
// and the pages by path.

import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { currentSession, onSession, signOut } from './api.js';
import { html, navigate, usePath, interceptLinks, label } from './ui.js';
import { SignIn } from './pages/signin.js';
import { MyRounds, RoundPage } from './pages/rounds.js';
import { CandidateList, CandidatePage } from './pages/candidates.js';
import { PlanBuilder } from './pages/plan.js';
import { Dashboard } from './pages/dashboard.js';
import { Users } from './pages/admin.js';

const MANAGES = ['ADMIN', 'HIRING_MANAGER'];
const READS_REPORTS = ['ADMIN', 'HIRING_MANAGER', 'VIEWER'];

function sections(role) {
  const items = [];
  if (role !== 'VIEWER') items.push({ path: '/rounds', text: 'My rounds' });
  if (role !== 'INTERVIEWER') items.push({ path: '/candidates', text: 'Candidates' });
  if (READS_REPORTS.includes(role)) items.push({ path: '/dashboard', text: 'Dashboard' });
  if (role === 'ADMIN') items.push({ path: '/admin/users', text: 'Users' });
  return items;
}

function home(role) {
  if (MANAGES.includes(role)) return '/candidates';
  if (role === 'VIEWER') return '/dashboard';
  return '/rounds';
}

function route(path, user) {
  const [pathname] = path.split('?');
  const parts = pathname.split('/').filter(Boolean);
  const [first, second, third] = parts;
  if (first === 'rounds' && second) return html`<${RoundPage} id=${decodeURIComponent(second)} user=${user} />`;
  if (first === 'rounds') return html`<${MyRounds} user=${user} />`;
  if (first === 'candidates' && second) return html`<${CandidatePage} id=${decodeURIComponent(second)} user=${user} />`;
  if (first === 'candidates') return html`<${CandidateList} user=${user} />`;
  if (first === 'plans' && second) return html`<${PlanBuilder} id=${decodeURIComponent(second)} user=${user} />`;
  if (first === 'dashboard') return html`<${Dashboard} user=${user} candidateId=${second === 'candidates' ? third : null} />`;
  if (first === 'admin') return html`<${Users} user=${user} />`;
  return html`<section class="page"><h1>Page not found</h1><p>Nothing lives at <code>${pathname}</code>.</p>
    <p><a href=${home(user.role)}>Go to the start page</a></p></section>`;
}

function Header({ user, path }) {
  const [open, setOpen] = useState(false);
  useEffect(() => setOpen(false), [path]);
  const graphiql = () => {
    const s = currentSession();
    window.location.assign('/graphql' + (s ? '#access_token=' + encodeURIComponent(s.accessToken) : ''));
  };
  return html`<header class="top">
    <a class="brand" href=${home(user.role)}>Interview planner</a>
    <button class="menu-toggle" type="button" aria-expanded=${open} aria-controls="main-nav"
      onClick=${() => setOpen(!open)}>Menu</button>
    <nav id="main-nav" class=${open ? 'open' : ''} aria-label="Main">
      <ul>
        ${sections(user.role).map(
          (item) => html`<li><a href=${item.path}
            aria-current=${path.startsWith(item.path) ? 'page' : undefined}>${item.text}</a></li>`,
        )}
        <li><a href="/graphql" data-external onClick=${(e) => { e.preventDefault(); graphiql(); }}>GraphiQL</a></li>
      </ul>
      <div class="who">
        <span><span class="who-name">${user.displayName}</span> <span class="who-role">${label(user.role)}</span></span>
        <button type="button" class="secondary" onClick=${() => signOut()}>Sign out</button>
      </div>
    </nav>
  </header>`;
}

function App() {
  const [session, setSession] = useState(currentSession());
  const path = usePath();
  useEffect(() => onSession(setSession), []);
  useEffect(() => {
    if (!session && !path.startsWith('/signin')) {
      const next = path === '/' ? '' : '?next=' + encodeURIComponent(path);
      navigate('/signin' + next, { replace: true });
    } else if (session && (path === '/' || path.startsWith('/signin'))) {
      const next = new URLSearchParams(location.search).get('next');
      navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : home(session.user.role), { replace: true });
    }
  }, [session, path]);
  useEffect(() => {
    const main = document.getElementById('main');
    if (main) main.focus({ preventScroll: true });
  }, [path]);
  if (!session) {
    return html`<main id="main" tabindex="-1" class="signin-main"><${SignIn} /></main>`;
  }
  return html`<a class="skip" href="#main">Skip to content</a>
    <${Header} user=${session.user} path=${path} />
    <main id="main" tabindex="-1">${route(path, session.user)}</main>`;
}

interceptLinks();
const container = document.getElementById('app');
container.textContent = ''; // the static "Loading…" of index.html
render(html`<${App} />`, container);
