// The plan builder: rounds (add, edit, reorder, remove), interviewers,
// questions from the bank (browse, search, add, reorder, autofill), minutes
// against the time box, and publishing with every problem shown where it
// belongs.

import { useState } from 'preact/hooks';
import { gql, problemsAt } from '../api.js';
import {
  html, useLoad, Loading, ErrorBox, Problems, Notice, label, formatDate, ROUND_KINDS, LEVELS, StatusBadge,
  MinutesMeter,
} from '../ui.js';

const PLAN = `query Plan($id: ID!) {
  interviewPlan(id: $id) { id title status publishedAt
    candidate { id name positionTitle targetLevel }
    focusCompetencies { id name }
    rounds { id position kind title durationMinutes scheduledAt allottedMinutes
      interviewers { id displayName }
      focusCompetencies { id name }
      questions { questionId position prompt minutes question { level category { name } } } } }
  users(filter: {active: true}, first: 100) { nodes { id displayName role } }
  competencies { id name }
  categories { id name }
}`;

const ROUND_FIELDS = 'id';
const ADD_ROUND = `mutation AddRound($planId: ID!, $input: RoundInput!) { addRound(planId: $planId, input: $input) { ${ROUND_FIELDS} } }`;
const UPDATE_ROUND = `mutation UpdateRound($id: ID!, $input: RoundInput!) { updateRound(id: $id, input: $input) { ${ROUND_FIELDS} } }`;
const REMOVE_ROUND = `mutation RemoveRound($id: ID!) { removeRound(id: $id) }`;
const REORDER_ROUNDS = `mutation ReorderRounds($planId: ID!, $roundIds: [ID!]!) { reorderRounds(planId: $planId, roundIds: $roundIds) { id } }`;
const ADD_QUESTION = `mutation AddQuestion($roundId: ID!, $questionId: ID!) { addQuestionToRound(roundId: $roundId, questionId: $questionId) { id } }`;
const REMOVE_QUESTION = `mutation RemoveQuestion($roundId: ID!, $questionId: ID!) { removeQuestionFromRound(roundId: $roundId, questionId: $questionId) { id } }`;
const REORDER_QUESTIONS = `mutation ReorderQuestions($roundId: ID!, $questionIds: [ID!]!) { reorderRoundQuestions(roundId: $roundId, questionIds: $questionIds) { id } }`;
const AUTOFILL = `mutation Autofill($roundId: ID!) { autofillRound(roundId: $roundId) { id allottedMinutes } }`;
const PUBLISH = `mutation Publish($id: ID!) { publishInterviewPlan(id: $id) { id status } }`;
const BANK = `query Bank($filter: QuestionFilter, $first: Int, $after: String) {
  questions(filter: $filter, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor }
    nodes { id prompt level estimatedMinutes status tags category { name } } } }`;

function move(list, index, by) {
  const next = list.slice();
  const [item] = next.splice(index, 1);
  next.splice(index + by, 0, item);
  return next;
}

function toLocalInput(value) {
  if (!value) return '';
  const d = new Date(value);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function RoundEditor({ round, people, competencies, onSave, onCancel, idPrefix }) {
  const [form, setForm] = useState(() => ({
    kind: round ? round.kind : 'TECHNICAL_SCREEN',
    title: round ? round.title : '',
    durationMinutes: round ? round.durationMinutes : 45,
    scheduledAt: round ? toLocalInput(round.scheduledAt) : '',
    interviewerIds: round ? round.interviewers.map((u) => u.id) : [],
    focusCompetencyIds: round ? round.focusCompetencies.map((c) => c.id) : [],
  }));
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const toggle = (key, id) => setForm((f) => ({
    ...f, [key]: f[key].includes(id) ? f[key].filter((x) => x !== id) : [...f[key], id],
  }));
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onSave({
        kind: form.kind,
        title: form.title,
        durationMinutes: Number(form.durationMinutes),
        scheduledAt: form.scheduledAt ? new Date(form.scheduledAt).toISOString() : null,
        interviewerIds: form.interviewerIds,
        focusCompetencyIds: form.focusCompetencyIds,
      });
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  const p = (field) => problemsAt(error, field);
  const id = (name) => `${idPrefix}-${name}`;
  return html`<form class="round-editor" onSubmit=${submit} aria-label=${round ? `Edit ${round.title}` : 'New round'}>
    <div class="grid">
      <div class="field"><label for=${id('title')}>Title</label>
        <input id=${id('title')} value=${form.title} onInput=${(e) => setForm({ ...form, title: e.target.value })}
          aria-invalid=${p('title').length ? 'true' : undefined} />
        <${Problems} problems=${p('title')} /></div>
      <div class="field"><label for=${id('kind')}>Kind</label>
        <select id=${id('kind')} value=${form.kind} onChange=${(e) => setForm({ ...form, kind: e.target.value })}>
          ${ROUND_KINDS.map((k) => html`<option value=${k}>${label(k)}</option>`)}
        </select></div>
      <div class="field"><label for=${id('duration')}>Time box (minutes)</label>
        <input id=${id('duration')} type="number" min="1" max="480" value=${form.durationMinutes}
          onInput=${(e) => setForm({ ...form, durationMinutes: e.target.value })}
          aria-invalid=${p('durationMinutes').length ? 'true' : undefined} />
        <${Problems} problems=${p('durationMinutes')} /></div>
      <div class="field"><label for=${id('when')}>Starts (optional)</label>
        <input id=${id('when')} type="datetime-local" value=${form.scheduledAt}
          onInput=${(e) => setForm({ ...form, scheduledAt: e.target.value })} />
        <${Problems} problems=${p('scheduledAt')} /></div>
    </div>
    <fieldset class="checks"><legend>Interviewers</legend>
      ${people.map((u) => html`<label><input type="checkbox" checked=${form.interviewerIds.includes(u.id)}
        onChange=${() => toggle('interviewerIds', u.id)} /> ${u.displayName} <span class="muted small">${label(u.role)}</span></label>`)}
    </fieldset>
    <${Problems} problems=${p('interviewerIds')} />
    <fieldset class="checks"><legend>Focus competencies</legend>
      ${competencies.map((c) => html`<label><input type="checkbox" checked=${form.focusCompetencyIds.includes(c.id)}
        onChange=${() => toggle('focusCompetencyIds', c.id)} /> ${c.name}</label>`)}
    </fieldset>
    <${Problems} problems=${p('focusCompetencyIds')} />
    ${error && error.code !== 'BAD_USER_INPUT' && html`<${ErrorBox} error=${error} />`}
    <div class="actions">
      <button type="submit" disabled=${busy}>${round ? 'Save round' : 'Add round'}</button>
      ${onCancel && html`<button type="button" class="secondary" onClick=${onCancel}>Cancel</button>`}
    </div>
  </form>`;
}

function BankBrowser({ round, categories, inPlan, onAdd, level }) {
  const [search, setSearch] = useState('');
  const [categoryId, setCategoryId] = useState('');
  const [lvl, setLvl] = useState(level || '');
  const [applied, setApplied] = useState({ search: '', categoryId: '', level: level || '' });
  const [after, setAfter] = useState(null);
  const filter = { status: 'ACTIVE' };
  if (applied.search) filter.search = applied.search;
  if (applied.categoryId) filter.categoryIds = [applied.categoryId];
  if (applied.level) filter.level = applied.level;
  const { data, error, loading } = useLoad(() => gql(BANK, { filter, first: 10, after }), [JSON.stringify(applied), after]);
  const id = (name) => `bank-${round.id}-${name}`;
  return html`<div class="bank" role="region" aria-label=${`Question bank for ${round.title}`}>
    <form class="filters" role="search" onSubmit=${(e) => { e.preventDefault(); setAfter(null); setApplied({ search, categoryId, level: lvl }); }}>
      <div class="field"><label for=${id('search')}>Search the bank</label>
        <input id=${id('search')} type="search" value=${search} onInput=${(e) => setSearch(e.target.value)} /></div>
      <div class="field"><label for=${id('category')}>Category</label>
        <select id=${id('category')} value=${categoryId} onChange=${(e) => setCategoryId(e.target.value)}>
          <option value="">All categories</option>
          ${categories.map((c) => html`<option value=${c.id}>${c.name}</option>`)}
        </select></div>
      <div class="field"><label for=${id('level')}>Level</label>
        <select id=${id('level')} value=${lvl} onChange=${(e) => setLvl(e.target.value)}>
          <option value="">All levels</option>
          ${LEVELS.map((l) => html`<option value=${l}>${label(l)}</option>`)}
        </select></div>
      <button type="submit">Find</button>
    </form>
    ${error && html`<${ErrorBox} error=${error} />`}
    ${loading && !data && html`<${Loading} what="Searching the bank" />`}
    ${data && html`<p class="muted small" role="status">${data.questions.totalCount} matching questions</p>
      <ul class="bank-list">
        ${data.questions.nodes.map((q) => html`<li>
          <div><span class="bank-prompt">${q.prompt}</span>
            <span class="muted small">${q.category.name} · ${label(q.level)} · ${q.estimatedMinutes} min${q.tags.length ? ' · ' + q.tags.join(', ') : ''}</span></div>
          <button type="button" class="secondary" disabled=${inPlan.has(q.id)} onClick=${() => onAdd(q.id)}
            aria-label=${`Add “${q.prompt.slice(0, 60)}” to ${round.title}`}>${inPlan.has(q.id) ? 'In plan' : 'Add'}</button>
        </li>`)}
      </ul>
      <div class="actions">
        ${after && html`<button type="button" class="secondary" onClick=${() => setAfter(null)}>First page</button>`}
        ${data.questions.pageInfo.hasNextPage && html`<button type="button" class="secondary" onClick=${() => setAfter(data.questions.pageInfo.endCursor)}>More questions</button>`}
      </div>`}
  </div>`;
}

function RoundCard({ plan, round, index, count, people, competencies, categories, inPlan, act, publishError, draft }) {
  const [editing, setEditing] = useState(false);
  const [browsing, setBrowsing] = useState(false);
  const [error, setError] = useState(null);
  const run = async (query, variables) => {
    setError(null);
    try {
      await act(query, variables);
    } catch (err) {
      setError(err);
    }
  };
  const at = `rounds[${index}]`;
  const roundProblems = problemsAt(publishError, at).filter((p) => !/^rounds\[\d+\]\.questions\[/.test(p.field));
  const questionIds = round.questions.map((q) => q.questionId);
  return html`<li class=${'round-card' + (roundProblems.length ? ' has-problem' : '')} id=${'round-' + index}>
    <div class="round-head">
      <h3><span class="q-number">${index + 1}</span> ${round.title} <span class="muted small">${label(round.kind)}</span></h3>
      ${draft && html`<div class="tools">
        <button type="button" class="icon" disabled=${index === 0} aria-label=${`Move ${round.title} up`}
          onClick=${() => run(REORDER_ROUNDS, { planId: plan.id, roundIds: move(plan.rounds.map((r) => r.id), index, -1) })}>↑</button>
        <button type="button" class="icon" disabled=${index === count - 1} aria-label=${`Move ${round.title} down`}
          onClick=${() => run(REORDER_ROUNDS, { planId: plan.id, roundIds: move(plan.rounds.map((r) => r.id), index, 1) })}>↓</button>
        <button type="button" class="secondary" aria-expanded=${editing} onClick=${() => setEditing(!editing)}>Edit</button>
        <button type="button" class="danger" onClick=${() => run(REMOVE_ROUND, { id: round.id })} aria-label=${`Remove ${round.title}`}>Remove</button>
      </div>`}
    </div>
    <${MinutesMeter} used=${round.allottedMinutes} box=${round.durationMinutes} />
    <p class="small"><strong>Interviewers:</strong> ${round.interviewers.length ? round.interviewers.map((u) => u.displayName).join(', ') : html`<span class="warn">none yet</span>`}
      ${round.focusCompetencies.length > 0 && html` · <strong>Focus:</strong> ${round.focusCompetencies.map((c) => c.name).join(', ')}`}
      ${round.scheduledAt && html` · <strong>Starts:</strong> ${formatDate(round.scheduledAt)}`}</p>
    <${Problems} id=${'round-' + index + '-problems'} problems=${roundProblems} />
    ${error && (error.code === 'BAD_USER_INPUT' ? html`<${Problems} problems=${error.problems.length ? error.problems : [{ message: error.message }]} />` : html`<${ErrorBox} error=${error} />`)}
    ${editing && html`<${RoundEditor} round=${round} people=${people} competencies=${competencies} idPrefix=${'edit-' + index}
      onSave=${async (input) => { await act(UPDATE_ROUND, { id: round.id, input }); setEditing(false); }} onCancel=${() => setEditing(false)} />`}
    <ol class="round-questions">
      ${round.questions.map((q, j) => {
        const problems = problemsAt(publishError, `${at}.questions[${j}]`);
        return html`<li class=${problems.length ? 'has-problem' : ''}>
          <span class="rq-number" aria-hidden="true">${j + 1}.</span>
          <div class="rq-main"><span>${q.prompt}</span>
            <span class="muted small">${q.question.category.name} · ${label(q.question.level)} · ${q.minutes} min</span>
            <${Problems} problems=${problems} /></div>
          ${draft && html`<div class="tools">
            <button type="button" class="icon" disabled=${j === 0} aria-label=${`Move question ${j + 1} up`}
              onClick=${() => run(REORDER_QUESTIONS, { roundId: round.id, questionIds: move(questionIds, j, -1) })}>↑</button>
            <button type="button" class="icon" disabled=${j === round.questions.length - 1} aria-label=${`Move question ${j + 1} down`}
              onClick=${() => run(REORDER_QUESTIONS, { roundId: round.id, questionIds: move(questionIds, j, 1) })}>↓</button>
            <button type="button" class="icon" aria-label=${`Remove question ${j + 1}`}
              onClick=${() => run(REMOVE_QUESTION, { roundId: round.id, questionId: q.questionId })}>✕</button>
          </div>`}
        </li>`;
      })}
    </ol>
    ${round.questions.length === 0 && html`<p class="muted small">No questions yet.</p>`}
    ${draft && html`<div class="actions">
      <button type="button" onClick=${() => run(AUTOFILL, { roundId: round.id })}>Autofill</button>
      <button type="button" class="secondary" aria-expanded=${browsing} onClick=${() => setBrowsing(!browsing)}>${browsing ? 'Close the bank' : 'Browse the bank'}</button>
    </div>`}
    ${draft && browsing && html`<${BankBrowser} round=${round} categories=${categories} inPlan=${inPlan} level=${plan.candidate.targetLevel}
      onAdd=${(questionId) => run(ADD_QUESTION, { roundId: round.id, questionId })} />`}
  </li>`;
}

export function PlanBuilder({ id, user }) {
  const { data, error, loading, reload } = useLoad(() => gql(PLAN, { id }), [id]);
  const [publishError, setPublishError] = useState(null);
  const [published, setPublished] = useState(false);
  const [adding, setAdding] = useState(false);
  if (loading && !data) return html`<${Loading} what="Loading the plan" />`;
  if (error) return html`<${ErrorBox} error=${error} />`;
  const plan = data.interviewPlan;
  const people = data.users.nodes.filter((u) => u.role !== 'VIEWER');
  // Only drafts are edited, and only by those who manage plans.
  const draft = plan.status === 'DRAFT' && (user.role === 'ADMIN' || user.role === 'HIRING_MANAGER');
  const inPlan = new Set(plan.rounds.flatMap((r) => r.questions.map((q) => q.questionId)));
  const act = async (query, variables) => {
    setPublishError(null);
    await gql(query, variables);
    reload();
  };
  const publish = async () => {
    setPublishError(null);
    try {
      await gql(PUBLISH, { id: plan.id });
      setPublished(true);
      reload();
    } catch (err) {
      setPublishError(err);
    }
  };
  const planProblems = publishError ? publishError.problems.filter((p) => !/^rounds\[\d+\]/.test(p.field)) : [];
  const total = plan.rounds.reduce((s, r) => s + r.allottedMinutes, 0);
  const box = plan.rounds.reduce((s, r) => s + r.durationMinutes, 0);
  return html`<section class="page plan-page">
    <p class="crumbs"><a href="/candidates">Candidates</a> › <a href=${'/candidates/' + encodeURIComponent(plan.candidate.id)}>${plan.candidate.name}</a> › ${plan.title}</p>
    <div class="page-head">
      <h1>${plan.title} <${StatusBadge} status=${plan.status} /></h1>
      ${draft && html`<button type="button" class="primary" onClick=${publish}>Publish plan</button>`}
    </div>
    <p class="muted">For ${plan.candidate.name}, ${plan.candidate.positionTitle} (${label(plan.candidate.targetLevel)}) · ${plan.rounds.length} round${plan.rounds.length === 1 ? '' : 's'} · ${total} of ${box} minutes allotted
      ${plan.focusCompetencies.length > 0 && ` · plan focus: ${plan.focusCompetencies.map((c) => c.name).join(', ')}`}</p>
    ${published && html`<${Notice} kind="success">Published: the interviewers now see their rounds.</${Notice}>`}
    ${publishError && publishError.code === 'BAD_USER_INPUT' && html`<div class="error-box" role="alert" id="publish-problems">
      <strong>The plan was not published: ${publishError.problems.length} problem${publishError.problems.length === 1 ? '' : 's'}.</strong>
      ${planProblems.length > 0 && html`<ul>${planProblems.map((p) => html`<li>${p.message}</li>`)}</ul>`}
      ${publishError.problems.length > planProblems.length && html`<p>Each problem of a round or question is shown next to it below.</p>`}
    </div>`}
    ${publishError && publishError.code !== 'BAD_USER_INPUT' && html`<${ErrorBox} error=${publishError} title="The plan was not published" />`}
    <ol class="rounds">
      ${plan.rounds.map((round, i) => html`<${RoundCard} key=${round.id} plan=${plan} round=${round} index=${i} count=${plan.rounds.length}
        people=${people} competencies=${data.competencies} categories=${data.categories} inPlan=${inPlan}
        act=${act} publishError=${publishError} draft=${draft} />`)}
    </ol>
    ${plan.rounds.length === 0 && html`<p class="muted">No rounds yet: add the first one.</p>`}
    ${draft && (adding
      ? html`<section class="panel" aria-labelledby="new-round"><h2 id="new-round">New round</h2>
          <${RoundEditor} people=${people} competencies=${data.competencies} idPrefix="new-round"
            onSave=${async (input) => { await act(ADD_ROUND, { planId: plan.id, input }); setAdding(false); }}
            onCancel=${() => setAdding(false)} /></section>`
      : html`<div class="actions"><button type="button" onClick=${() => setAdding(true)}>Add round</button></div>`)}
  </section>`;
}
