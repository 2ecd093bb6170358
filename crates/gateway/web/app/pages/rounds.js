// The interviewer's pages: "My rounds" and a round's scorecard.

import { useState, useMemo } from 'preact/hooks';
import { gql, problemsAt } from '../api.js';
import {
  html, useLoad, Loading, ErrorBox, Problems, Notice, label, formatDate, RECOMMENDATIONS, StatusBadge,
} from '../ui.js';

const LIST = `query MyRounds { me { id } myRounds {
  id title kind durationMinutes scheduledAt allottedMinutes
  plan { id title status candidate { id name positionTitle } }
  scorecards { status interviewer { id } }
} }`;

function myStatus(round, userId) {
  const mine = round.scorecards.find((s) => s.interviewer.id === userId);
  return mine ? mine.status : 'NOT_STARTED';
}

function RoundList({ title, rounds, userId, empty }) {
  return html`<section class="panel" aria-labelledby=${title.replace(/\W/g, '')}>
    <h2 id=${title.replace(/\W/g, '')}>${title} <span class="count">${rounds.length}</span></h2>
    ${rounds.length === 0 ? html`<p class="muted">${empty}</p>` : html`<ul class="cards">
      ${rounds.map((r) => {
        const status = myStatus(r, userId);
        return html`<li class="card">
          <h3><a href=${'/rounds/' + encodeURIComponent(r.id)}>${r.title}</a></h3>
          <dl class="facts">
            <div><dt>Candidate</dt><dd>${r.plan.candidate.name} · ${r.plan.candidate.positionTitle}</dd></div>
            <div><dt>Plan</dt><dd>${r.plan.title}</dd></div>
            <div><dt>When</dt><dd>${formatDate(r.scheduledAt)}</dd></div>
            <div><dt>Time box</dt><dd>${r.durationMinutes} min (${label(r.kind)})</dd></div>
            <div><dt>My scorecard</dt><dd><${StatusBadge} status=${status} /></dd></div>
          </dl>
        </li>`;
      })}
    </ul>`}
  </section>`;
}

export function MyRounds() {
  const { data, error, loading } = useLoad(() => gql(LIST), []);
  if (loading && !data) return html`<${Loading} what="Loading your rounds" />`;
  if (error) return html`<${ErrorBox} error=${error} />`;
  const now = Date.now();
  const userId = data.me.id;
  const open = (r) => myStatus(r, userId) !== 'SUBMITTED';
  const upcoming = data.myRounds.filter((r) => open(r) && (!r.scheduledAt || new Date(r.scheduledAt).getTime() >= now - 3 * 3600_000));
  const toScore = data.myRounds.filter((r) => open(r) && !upcoming.includes(r));
  const done = data.myRounds.filter((r) => !open(r)).reverse();
  return html`<section class="page">
    <h1>My rounds</h1>
    <div class="columns">
      <${RoundList} title="Upcoming" rounds=${upcoming} userId=${userId} empty="No rounds are coming up." />
      <${RoundList} title="Past, to score" rounds=${toScore} userId=${userId} empty="Every past round is scored." />
      <${RoundList} title="Past, submitted" rounds=${done} userId=${userId} empty="You have not submitted a scorecard yet." />
    </div>
  </section>`;
}

const DETAIL = `query Round { me { id } myRounds {
  id title kind durationMinutes scheduledAt allottedMinutes
  plan { id title status candidate { id name positionTitle targetLevel } }
  focusCompetencies { id name description }
  questions { questionId position prompt guidance rubric minutes }
  scorecards { id status submittedAt recommendation summary
    interviewer { id displayName }
    questionRatings { questionId rating notes }
    competencyRatings { competency { id name } rating } }
} }`;

const SAVE = `mutation Save($roundId: ID!, $input: ScorecardInput!) {
  saveScorecard(roundId: $roundId, input: $input) { id status } }`;
const SUBMIT = `mutation Submit($roundId: ID!, $input: ScorecardInput!) {
  submitScorecard(roundId: $roundId, input: $input) { id status } }`;

function initialForm(round, mine) {
  const form = { ratings: {}, notes: {}, competencies: {}, recommendation: '', summary: '' };
  for (const q of round.questions) {
    form.notes[q.questionId] = '';
  }
  if (mine) {
    for (const r of mine.questionRatings) {
      form.ratings[r.questionId] = r.rating;
      form.notes[r.questionId] = r.notes;
    }
    for (const c of mine.competencyRatings) form.competencies[c.competency.id] = c.rating;
    form.recommendation = mine.recommendation || '';
    form.summary = mine.summary || '';
  }
  return form;
}

/** The input the API takes, and which question or competency each
 * position in it stands for (problems name positions). */
function toInput(round, form) {
  const questionIds = round.questions.map((q) => q.questionId).filter((id) => form.ratings[id]);
  const competencyIds = round.focusCompetencies.map((c) => c.id).filter((id) => form.competencies[id]);
  return {
    input: {
      questionRatings: questionIds.map((id) => ({ questionId: id, rating: Number(form.ratings[id]), notes: form.notes[id] || '' })),
      competencyRatings: competencyIds.map((id) => ({ competencyId: id, rating: Number(form.competencies[id]) })),
      recommendation: form.recommendation || null,
      summary: form.summary,
    },
    questionIds,
    competencyIds,
  };
}

function RatingChoice({ name, legend, value, onChange, anchors, describedBy, invalid }) {
  return html`<fieldset class="rating" aria-describedby=${describedBy} aria-invalid=${invalid ? 'true' : undefined}>
    <legend>${legend}</legend>
    ${[1, 2, 3, 4].map((n) => html`<label class=${'choice' + (Number(value) === n ? ' chosen' : '')}>
      <input type="radio" name=${name} value=${n} checked=${Number(value) === n} onChange=${() => onChange(n)} />
      <span class="choice-n">${n}</span>
      ${anchors && html`<span class="choice-anchor">${anchors[n - 1]}</span>`}
    </label>`)}
  </fieldset>`;
}

const COLLEAGUES = `query Colleagues($id: ID!) { candidate(id: $id) { scorecards {
  id status submittedAt recommendation summary
  interviewer { id displayName }
  round { id title questions { questionId prompt } }
  questionRatings { questionId rating notes }
  competencyRatings { competency { id name } rating } } } }`;

function ScorecardView({ card, round }) {
  const prompts = Object.fromEntries((card.round && card.round.questions ? card.round.questions : round.questions).map((q) => [q.questionId, q.prompt]));
  return html`<article class="scorecard">
    <h3>${card.interviewer.displayName} <span class=${'rec rec-' + (card.recommendation || '').toLowerCase()}>${label(card.recommendation)}</span></h3>
    <p class="muted">${card.round ? card.round.title + ' · ' : ''}Submitted ${formatDate(card.submittedAt)}</p>
    <p>${card.summary}</p>
    <table class="list compact">
      <caption class="sr-only">Ratings by ${card.interviewer.displayName}</caption>
      <thead><tr><th scope="col">Question or competency</th><th scope="col">Rating</th><th scope="col">Notes</th></tr></thead>
      <tbody>
        ${card.questionRatings.map((r) => html`<tr><td>${prompts[r.questionId] || 'Question'}</td><td>${r.rating}</td><td>${r.notes}</td></tr>`)}
        ${card.competencyRatings.map((c) => html`<tr><td>${c.competency.name}</td><td>${c.rating}</td><td></td></tr>`)}
      </tbody>
    </table>
  </article>`;
}

export function RoundPage({ id }) {
  const { data, error, loading, reload } = useLoad(() => gql(DETAIL), [id]);
  if (loading && !data) return html`<${Loading} what="Loading the round" />`;
  if (error) return html`<${ErrorBox} error=${error} />`;
  const round = data.myRounds.find((r) => r.id === id);
  if (!round) {
    return html`<section class="page"><h1>Round not found</h1>
      <p>This round is not among your assigned rounds of published plans.</p><p><a href="/rounds">Back to my rounds</a></p></section>`;
  }
  const mine = round.scorecards.find((s) => s.interviewer.id === data.me.id);
  return html`<${RoundForm} key=${round.id + (mine ? mine.status : '')} round=${round} mine=${mine} me=${data.me} reload=${reload} />`;
}

function RoundForm({ round, mine, me, reload }) {
  const [form, setForm] = useState(() => initialForm(round, mine));
  const [error, setError] = useState(null);
  const [sent, setSent] = useState(null);
  const [message, setMessage] = useState(mine && mine.status === 'SUBMITTED' ? null : null);
  const [busy, setBusy] = useState(false);
  const submitted = mine && mine.status === 'SUBMITTED';
  // Once yours is in, the API shows colleagues' scorecards for the
  // candidate (every round); before, it shows none (blind feedback).
  const colleagues = useLoad(
    () => (submitted ? gql(COLLEAGUES, { id: round.plan.candidate.id }) : Promise.resolve(null)),
    [submitted, round.id],
  );
  const fromCandidate = colleagues.data && colleagues.data.candidate ? colleagues.data.candidate.scorecards : null;
  const others = (fromCandidate || round.scorecards).filter((s) => s.interviewer.id !== me.id && s.status === 'SUBMITTED');
  const used = round.questions.reduce((sum, q) => sum + q.minutes, 0);

  const set = (part, key, value) => setForm((f) => ({ ...f, [part]: key === null ? value : { ...f[part], [key]: value } }));

  const send = async (submit) => {
    const built = toInput(round, form);
    setBusy(true);
    setError(null);
    setMessage(null);
    setSent(built);
    try {
      await gql(submit ? SUBMIT : SAVE, { roundId: round.id, input: built.input });
      if (submit) {
        reload();
      } else {
        const unrated = round.questions.filter((q) => !form.ratings[q.questionId] && (form.notes[q.questionId] || '').trim()).length;
        setMessage(unrated
          ? `Draft saved. Only you can see it. Notes of ${unrated} unrated question${unrated === 1 ? '' : 's'} are kept only on this page until you rate ${unrated === 1 ? 'it' : 'them'}.`
          : 'Draft saved. Only you can see it.');
      }
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  // Problems name positions in the input that was sent: map them back.
  const questionProblems = (questionId) => {
    if (!error || !sent) return [];
    const i = sent.questionIds.indexOf(questionId);
    const listed = i >= 0 ? problemsAt(error, `questionRatings[${i}]`) : [];
    const unrated = !form.ratings[questionId] && problemsAt(error, 'questionRatings', { exact: true }).length > 0
      ? [{ message: 'rate this question to submit' }] : [];
    return [...listed, ...unrated];
  };
  const competencyProblems = (competencyId) => {
    if (!error || !sent) return [];
    const i = sent.competencyIds.indexOf(competencyId);
    const listed = i >= 0 ? problemsAt(error, `competencyRatings[${i}]`) : [];
    const unrated = !form.competencies[competencyId] && problemsAt(error, 'competencyRatings', { exact: true }).length > 0
      ? [{ message: 'rate this competency to submit' }] : [];
    return [...listed, ...unrated];
  };
  const known = /^(questionRatings|competencyRatings|recommendation|summary)/;
  const otherProblems = error ? error.problems.filter((p) => !known.test(p.field)) : [];

  return html`<section class="page round-page">
    <p class="crumbs"><a href="/rounds">My rounds</a> › ${round.title}</p>
    <h1>${round.title}</h1>
    <dl class="facts inline">
      <div><dt>Candidate</dt><dd>${round.plan.candidate.name} · ${round.plan.candidate.positionTitle} (${label(round.plan.candidate.targetLevel)})</dd></div>
      <div><dt>Plan</dt><dd>${round.plan.title}</dd></div>
      <div><dt>When</dt><dd>${formatDate(round.scheduledAt)}</dd></div>
      <div><dt>Time box</dt><dd>${round.durationMinutes} min, ${used} min of questions</dd></div>
      <div><dt>My scorecard</dt><dd><${StatusBadge} status=${mine ? mine.status : 'NOT_STARTED'} /></dd></div>
    </dl>
    ${submitted && html`<${Notice} kind="success">Your scorecard is submitted. Colleagues' submitted scorecards are shown below.</${Notice}>`}
    ${error && (error.code !== 'BAD_USER_INPUT' || otherProblems.length > 0) && html`<${ErrorBox} error=${error} title="The scorecard was not saved" />`}
    ${error && error.code === 'BAD_USER_INPUT' && otherProblems.length === 0 &&
      html`<div class="error-box" role="alert"><strong>The scorecard was not saved:</strong> ${error.problems.length} problem${error.problems.length === 1 ? '' : 's'}, shown next to the fields below.</div>`}
    ${message && html`<${Notice} kind="success">${message}</${Notice}>`}

    <form class="scorecard-form" onSubmit=${(e) => { e.preventDefault(); send(true); }} novalidate>
      <h2>Questions</h2>
      ${round.questions.length === 0 && html`<p class="muted">This round has no questions.</p>`}
      <ol class="questions">
        ${round.questions.map((q, i) => {
          const problems = questionProblems(q.questionId);
          const pid = `q-${i}-problems`;
          return html`<li class=${'question' + (problems.length ? ' has-problem' : '')} id=${'question-' + i}>
            <h3><span class="q-number">Q${i + 1}</span> ${q.prompt} <span class="minutes-tag">${q.minutes} min</span></h3>
            <details open=${!submitted}>
              <summary>Guidance</summary>
              <p class="guidance">${q.guidance}</p>
            </details>
            ${submitted ? html`<p><strong>My rating:</strong> ${form.ratings[q.questionId] || '—'} · ${form.notes[q.questionId]}</p>` : html`
              <${RatingChoice} name=${'rating-' + q.questionId} legend=${`Rating for Q${i + 1}`} anchors=${q.rubric}
                value=${form.ratings[q.questionId]} onChange=${(n) => set('ratings', q.questionId, n)}
                describedBy=${problems.length ? pid : undefined} invalid=${problems.length > 0} />
              <${Problems} id=${pid} problems=${problems} />
              <div class="field">
                <label for=${'notes-' + q.questionId}>Notes for Q${i + 1}</label>
                <textarea id=${'notes-' + q.questionId} rows="3" value=${form.notes[q.questionId]}
                  onInput=${(e) => set('notes', q.questionId, e.target.value)}></textarea>
                <p class="hint">Notes are saved with the question's rating.</p>
              </div>`}
          </li>`;
        })}
      </ol>

      ${round.focusCompetencies.length > 0 && html`<h2>Competencies</h2>
        <div class="competencies">
          ${round.focusCompetencies.map((c, i) => {
            const problems = competencyProblems(c.id);
            const pid = `c-${i}-problems`;
            return html`<div class=${'competency' + (problems.length ? ' has-problem' : '')}>
              <h3>${c.name}</h3>
              <p class="muted small">${c.description}</p>
              ${submitted ? html`<p><strong>My rating:</strong> ${form.competencies[c.id] || '—'}</p>` : html`
                <${RatingChoice} name=${'competency-' + c.id} legend=${`Rating for ${c.name}`} value=${form.competencies[c.id]}
                  onChange=${(n) => set('competencies', c.id, n)} describedBy=${problems.length ? pid : undefined}
                  invalid=${problems.length > 0} />
                <${Problems} id=${pid} problems=${problems} />`}
            </div>`;
          })}
        </div>`}

      <h2>Overall</h2>
      ${submitted ? html`<p><strong>Recommendation:</strong> ${label(form.recommendation)}</p><p><strong>Summary:</strong> ${form.summary}</p>` : html`
        <fieldset class="recommendation" aria-describedby=${problemsAt(error, 'recommendation').length ? 'rec-problems' : undefined}>
          <legend>Recommendation</legend>
          ${RECOMMENDATIONS.map((r) => html`<label class=${'choice rec-choice rec-' + r.toLowerCase() + (form.recommendation === r ? ' chosen' : '')}>
            <input type="radio" name="recommendation" value=${r} checked=${form.recommendation === r}
              onChange=${() => set('recommendation', null, r)} /> ${label(r)}</label>`)}
        </fieldset>
        <${Problems} id="rec-problems" problems=${problemsAt(error, 'recommendation')} />
        <div class="field">
          <label for="summary">Summary</label>
          <textarea id="summary" rows="4" value=${form.summary} onInput=${(e) => set('summary', null, e.target.value)}
            aria-describedby=${problemsAt(error, 'summary').length ? 'summary-problems' : undefined}></textarea>
          <${Problems} id="summary-problems" problems=${problemsAt(error, 'summary')} />
        </div>
        <div class="actions">
          <button type="button" class="secondary" disabled=${busy} onClick=${() => send(false)}>Save draft</button>
          <button type="submit" disabled=${busy}>Submit scorecard</button>
        </div>`}
    </form>

    <section class="panel" aria-labelledby="colleagues">
      <h2 id="colleagues">Colleagues' scorecards</h2>
      ${!submitted && html`<p class="muted">Colleagues' scorecards appear once you submit yours (blind feedback).</p>`}
      ${submitted && colleagues.loading && html`<${Loading} what="Loading colleagues' scorecards" />`}
      ${submitted && !colleagues.loading && others.length === 0 && html`<p class="muted">No colleague has submitted a scorecard for ${round.plan.candidate.name} yet.</p>`}
      ${others.map((card) => html`<${ScorecardView} card=${card} round=${round} />`)}
    </section>
  </section>`;
}
