// Hiring managers' candidates: the list (search, stage filter, pages) and a
// candidate's page (stage moves, plans, scorecards, live updates).

import { useState, useEffect } from 'preact/hooks';
import { gql } from '../api.js';
import { subscribe } from '../live.js';
import {
  html, navigate, useLoad, Loading, ErrorBox, Problems, Notice, label, formatDate, STAGES, LEVELS,
  StageBadge, StatusBadge,
} from '../ui.js';
import { problemsAt } from '../api.js';

const PAGE = 20;
const LIST = `query Candidates($filter: CandidateFilter, $first: Int, $after: String) {
  candidates(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id name email positionTitle targetLevel stage updatedAt } }
  } }`;

function readQuery() {
  const params = new URLSearchParams(location.search);
  return { search: params.get('search') || '', stage: params.get('stage') || '', after: params.get('after') || '' };
}

export function CandidateList({ user }) {
  const query = readQuery();
  const [search, setSearch] = useState(query.search);
  const [history, setHistory] = useState([]);
  const filter = {};
  if (query.search) filter.search = query.search;
  if (query.stage) filter.stages = [query.stage];
  const key = location.search;
  const { data, error, loading } = useLoad(
    () => gql(LIST, { filter, first: PAGE, after: query.after || null }),
    [key],
  );
  const go = (changes) => {
    const next = { ...query, ...changes };
    const params = new URLSearchParams();
    if (next.search) params.set('search', next.search);
    if (next.stage) params.set('stage', next.stage);
    if (next.after) params.set('after', next.after);
    const qs = params.toString();
    navigate('/candidates' + (qs ? '?' + qs : ''));
  };
  const manages = user.role === 'ADMIN' || user.role === 'HIRING_MANAGER';
  return html`<section class="page">
    <div class="page-head">
      <h1>Candidates</h1>
      ${manages && html`<${NewCandidate} />`}
    </div>
    <form class="filters" role="search" onSubmit=${(e) => { e.preventDefault(); setHistory([]); go({ search, after: '' }); }}>
      <div class="field">
        <label for="candidate-search">Search name or email</label>
        <input id="candidate-search" type="search" value=${search} onInput=${(e) => setSearch(e.target.value)} />
      </div>
      <div class="field">
        <label for="stage-filter">Stage</label>
        <select id="stage-filter" value=${query.stage} onChange=${(e) => { setHistory([]); go({ stage: e.target.value, after: '' }); }}>
          <option value="">All stages</option>
          ${STAGES.map((s) => html`<option value=${s}>${label(s)}</option>`)}
        </select>
      </div>
      <button type="submit">Search</button>
    </form>
    ${error && html`<${ErrorBox} error=${error} />`}
    ${loading && !data && html`<${Loading} what="Loading candidates" />`}
    ${data && html`<p class="muted" role="status">${data.candidates.totalCount} candidate${data.candidates.totalCount === 1 ? '' : 's'}</p>
      <div class="table-wrap"><table class="list">
        <caption class="sr-only">Candidates</caption>
        <thead><tr><th scope="col">Name</th><th scope="col">Position</th><th scope="col">Level</th><th scope="col">Stage</th><th scope="col">Updated</th></tr></thead>
        <tbody>
          ${data.candidates.edges.map(({ node: c }) => html`<tr>
            <td data-label="Name"><a href=${'/candidates/' + encodeURIComponent(c.id)}>${c.name}</a><br /><span class="muted small">${c.email}</span></td>
            <td data-label="Position">${c.positionTitle}</td>
            <td data-label="Level">${label(c.targetLevel)}</td>
            <td data-label="Stage"><${StageBadge} stage=${c.stage} /></td>
            <td data-label="Updated">${formatDate(c.updatedAt, { time: false })}</td>
          </tr>`)}
        </tbody>
      </table></div>
      <nav class="pager" aria-label="Pages of candidates">
        <button type="button" class="secondary" disabled=${history.length === 0}
          onClick=${() => { const prev = history.slice(0, -1); const after = history[history.length - 1]; setHistory(prev); go({ after: after || '' }); }}>Previous page</button>
        <button type="button" class="secondary" disabled=${!data.candidates.pageInfo.hasNextPage}
          onClick=${() => { setHistory([...history, query.after]); go({ after: data.candidates.pageInfo.endCursor }); }}>Next page</button>
      </nav>`}
  </section>`;
}

const CREATE = `mutation CreateCandidate($input: CandidateInput!) { createCandidate(input: $input) { id } }`;

function NewCandidate() {
  const [open, setOpen] = useState(false);
  const [form, setForm] = useState({ name: '', email: '', positionTitle: '', targetLevel: 'MID' });
  const [error, setError] = useState(null);
  if (!open) return html`<button type="button" onClick=${() => setOpen(true)}>Add candidate</button>`;
  const field = (name, text, type = 'text') => html`<div class="field">
    <label for=${'new-' + name}>${text}</label>
    <input id=${'new-' + name} type=${type} value=${form[name]} onInput=${(e) => setForm({ ...form, [name]: e.target.value })}
      aria-invalid=${problemsAt(error, name).length ? 'true' : undefined} />
    <${Problems} problems=${problemsAt(error, name)} />
  </div>`;
  const submit = async (e) => {
    e.preventDefault();
    try {
      const data = await gql(CREATE, { input: form });
      navigate('/candidates/' + encodeURIComponent(data.createCandidate.id));
    } catch (err) {
      setError(err);
    }
  };
  return html`<form class="panel inline-form" onSubmit=${submit} aria-label="New candidate">
    ${field('name', 'Name')} ${field('email', 'Email', 'email')} ${field('positionTitle', 'Position')}
    <div class="field"><label for="new-level">Level</label>
      <select id="new-level" value=${form.targetLevel} onChange=${(e) => setForm({ ...form, targetLevel: e.target.value })}>
        ${LEVELS.map((l) => html`<option value=${l}>${label(l)}</option>`)}
      </select></div>
    ${error && error.code !== 'BAD_USER_INPUT' && html`<${ErrorBox} error=${error} />`}
    <div class="actions"><button type="submit">Add</button><button type="button" class="secondary" onClick=${() => setOpen(false)}>Cancel</button></div>
  </form>`;
}

const DETAIL = `query Candidate($id: ID!) { candidate(id: $id) {
  id name email positionTitle targetLevel stage nextStages createdAt erasedAt
  stageHistory { from to changedAt }
  plans { id title status createdAt publishedAt rounds { id } }
  scorecards { id status submittedAt recommendation summary
    interviewer { displayName } round { id title } }
} }`;
const MOVE = `mutation Move($id: ID!, $stage: CandidateStage!) { moveCandidate(id: $id, stage: $stage) { id stage } }`;
const NEW_PLAN = `mutation NewPlan($input: CreatePlanInput!) { createInterviewPlan(input: $input) { id } }`;
const LIVE = `subscription Live($candidateId: ID) { scorecardSubmitted(candidateId: $candidateId) {
  id interviewer { displayName } round { title } } }`;

export function CandidatePage({ id, user }) {
  const { data, error, loading, reload } = useLoad(() => gql(DETAIL, { id }), [id]);
  const [actionError, setActionError] = useState(null);
  const [live, setLive] = useState(null);
  const [status, setStatus] = useState('connecting');
  const [planTitle, setPlanTitle] = useState('');
  useEffect(
    () => subscribe(LIVE, { candidateId: id }, (event) => {
      const card = event.scorecardSubmitted;
      setLive(`${card.interviewer.displayName} submitted a scorecard for “${card.round.title}”.`);
      reload();
    }, setStatus),
    [id],
  );
  if (loading && !data) return html`<${Loading} what="Loading the candidate" />`;
  if (error) return html`<${ErrorBox} error=${error} />`;
  const c = data.candidate;
  const manages = user.role === 'ADMIN' || user.role === 'HIRING_MANAGER';
  const move = async (stage) => {
    setActionError(null);
    try {
      await gql(MOVE, { id: c.id, stage });
      reload();
    } catch (err) {
      setActionError(err);
    }
  };
  const newPlan = async (e) => {
    e.preventDefault();
    setActionError(null);
    try {
      const created = await gql(NEW_PLAN, { input: { candidateId: c.id, title: planTitle || `${c.positionTitle} loop` } });
      navigate('/plans/' + encodeURIComponent(created.createInterviewPlan.id));
    } catch (err) {
      setActionError(err);
    }
  };
  return html`<section class="page">
    <p class="crumbs"><a href="/candidates">Candidates</a> › ${c.name}</p>
    <div class="page-head">
      <h1>${c.name}</h1>
      <span class=${'live live-' + status} role="status" aria-live="polite">${status === 'live' ? 'Live' : label(status)}</span>
    </div>
    ${live && html`<${Notice} kind="info">${live}</${Notice}>`}
    ${user.role !== 'INTERVIEWER' && html`<p><a href=${'/dashboard/candidates/' + encodeURIComponent(c.id)}>Candidate report</a> (calls per round, means, decision-ready)</p>`}
    <dl class="facts inline">
      <div><dt>Email</dt><dd>${c.email}</dd></div>
      <div><dt>Position</dt><dd>${c.positionTitle}</dd></div>
      <div><dt>Level</dt><dd>${label(c.targetLevel)}</dd></div>
      <div><dt>Stage</dt><dd><${StageBadge} stage=${c.stage} /></dd></div>
    </dl>
    ${actionError && html`<${ErrorBox} error=${actionError} />`}
    ${manages && html`<section class="panel" aria-labelledby="moves">
      <h2 id="moves">Move the candidate</h2>
      ${c.nextStages.length === 0 ? html`<p class="muted">The candidate's process is closed.</p>` : html`<div class="actions">
        ${c.nextStages.map((s) => html`<button type="button" class=${s === 'REJECTED' || s === 'WITHDRAWN' ? 'danger' : ''}
          onClick=${() => move(s)}>Move to ${label(s)}</button>`)}
      </div>`}
    </section>`}
    <div class="columns">
      <section class="panel" aria-labelledby="plans">
        <h2 id="plans">Interview plans</h2>
        ${c.plans.length === 0 && html`<p class="muted">No plan yet.</p>`}
        <ul class="plain">
          ${c.plans.map((p) => html`<li><a href=${'/plans/' + encodeURIComponent(p.id)}>${p.title}</a>
             <${StatusBadge} status=${p.status} /> <span class="muted small">${p.rounds.length} round${p.rounds.length === 1 ? '' : 's'} · created ${formatDate(p.createdAt, { time: false })}</span></li>`)}
        </ul>
        ${manages && html`<form class="inline-form" onSubmit=${newPlan}>
          <div class="field"><label for="plan-title">New plan title</label>
            <input id="plan-title" value=${planTitle} placeholder=${`${c.positionTitle} loop`} onInput=${(e) => setPlanTitle(e.target.value)} /></div>
          <button type="submit">Create plan</button>
        </form>`}
      </section>
      <section class="panel" aria-labelledby="history">
        <h2 id="history">Stage history</h2>
        <ol class="timeline">
          ${c.stageHistory.map((s) => html`<li><${StageBadge} stage=${s.to} /> <span class="muted small">${formatDate(s.changedAt)}</span></li>`)}
        </ol>
      </section>
    </div>
    <section class="panel" aria-labelledby="scorecards">
      <h2 id="scorecards">Scorecards <span class="count">${c.scorecards.length}</span></h2>
      ${c.scorecards.length === 0 && html`<p class="muted">No scorecard you may see yet.</p>`}
      ${c.scorecards.length > 0 && html`<div class="table-wrap"><table class="list">
        <caption class="sr-only">Scorecards</caption>
        <thead><tr><th scope="col">Round</th><th scope="col">Interviewer</th><th scope="col">Call</th><th scope="col">Summary</th><th scope="col">Submitted</th></tr></thead>
        <tbody>${c.scorecards.map((s) => html`<tr>
          <td data-label="Round">${s.round.title}</td><td data-label="Interviewer">${s.interviewer.displayName}</td>
          <td data-label="Call"><span class=${'rec rec-' + (s.recommendation || '').toLowerCase()}>${label(s.recommendation) || label(s.status)}</span></td>
          <td data-label="Summary">${s.summary}</td><td data-label="Submitted">${formatDate(s.submittedAt)}</td></tr>`)}</tbody>
      </table></div>`}
    </section>
  </section>`;
}
