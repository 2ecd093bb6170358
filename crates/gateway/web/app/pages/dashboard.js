// The dashboard: pipeline, question stats, interviewer calibration and one
// candidate's report, drawn from the GraphQL reports and refreshed live
// when a scorecard is submitted.

import { useState, useEffect } from 'preact/hooks';
import { gql } from '../api.js';
import { subscribe } from '../live.js';
import { html, navigate, useLoad, Loading, ErrorBox, Notice, label, number, STAGES } from '../ui.js';
import { BarChart, DivergingChart } from '../charts.js';

const REPORTS = `query Dashboard {
  pipeline { totalCandidates stages { stage candidates medianDays completedStays }
    positions { positionTitle candidates } }
  questionStats(first: 100) { totalCount edges { node {
    question { id prompt level category { name } } timesAsked meanRating stdDev discrimination } } }
  interviewerCalibration { interviewer { id displayName } scorecardsSubmitted meanRating leniency medianHoursToSubmit }
}`;
const CANDIDATES = `query ReportCandidates { candidates(first: 100, filter: {stages: [INTERVIEWING, OFFER, HIRED, REJECTED]}) {
  nodes { id name stage positionTitle } } }`;
const REPORT = `query CandidateReport($id: ID!) { candidateReport(candidateId: $id) {
  candidate { id name stage positionTitle } decisionReady agreement submittedScorecards
  rounds { roundId title kind planStatus spread interviewers { interviewer { displayName } recommendation submitted } }
  categoryMeans { category { name } meanRating ratings }
  competencyMeans { competency { name } meanRating ratings } } }`;
const LIVE = `subscription DashboardLive { scorecardSubmitted { id candidate { id name } interviewer { displayName } } }`;

const SORTS = {
  discrimination: (n) => n.discrimination,
  timesAsked: (n) => n.timesAsked,
  meanRating: (n) => n.meanRating,
  stdDev: (n) => n.stdDev,
};

function QuestionStats({ stats }) {
  const [sort, setSort] = useState({ key: 'discrimination', descending: true });
  const rows = stats.edges.map((e) => e.node).filter((n) => n.timesAsked > 0);
  const value = SORTS[sort.key];
  rows.sort((a, b) => {
    const x = value(a);
    const y = value(b);
    if (x === null && y === null) return 0;
    if (x === null) return 1;
    if (y === null) return -1;
    return sort.descending ? y - x : x - y;
  });
  const header = (key, text) => {
    const active = sort.key === key;
    return html`<th scope="col" aria-sort=${active ? (sort.descending ? 'descending' : 'ascending') : 'none'} class="num">
      <button type="button" class="sort" onClick=${() => setSort({ key, descending: active ? !sort.descending : true })}>
        ${text} <span aria-hidden="true">${active ? (sort.descending ? '▼' : '▲') : '↕'}</span></button></th>`;
  };
  return html`<section class="panel wide" aria-labelledby="question-stats">
    <h2 id="question-stats">Question stats</h2>
    <p class="muted small">${rows.length} of ${stats.totalCount} questions have been asked. Discrimination: mean rating given to hired minus rejected candidates.</p>
    <div class="table-wrap"><table class="list stats" data-table="question-stats">
      <caption class="sr-only">Question stats, sortable</caption>
      <thead><tr><th scope="col">Question</th>${header('timesAsked', 'Asked')}${header('meanRating', 'Mean')}${header('stdDev', 'Std dev')}${header('discrimination', 'Discrimination')}</tr></thead>
      <tbody>${rows.map((n) => html`<tr>
        <td data-label="Question">${n.question.prompt}<br /><span class="muted small">${n.question.category.name} · ${label(n.question.level)}</span></td>
        <td data-label="Asked" class="num">${n.timesAsked}</td>
        <td data-label="Mean" class="num">${number(n.meanRating)}</td>
        <td data-label="Std dev" class="num">${number(n.stdDev)}</td>
        <td data-label="Discrimination" class="num">${number(n.discrimination)}</td>
      </tr>`)}</tbody>
    </table></div>
  </section>`;
}

function CandidateReport({ candidateId, version }) {
  const list = useLoad(() => gql(CANDIDATES), []);
  const chosen = candidateId || (list.data && list.data.candidates.nodes[0] && list.data.candidates.nodes[0].id);
  const report = useLoad(() => (chosen ? gql(REPORT, { id: chosen }) : Promise.resolve(null)), [chosen, version]);
  const r = report.data && report.data.candidateReport;
  return html`<section class="panel wide" aria-labelledby="candidate-report">
    <h2 id="candidate-report">Candidate report</h2>
    ${list.error && html`<${ErrorBox} error=${list.error} />`}
    ${list.data && html`<div class="field">
      <label for="report-candidate">Candidate</label>
      <select id="report-candidate" value=${chosen || ''} onChange=${(e) => navigate('/dashboard/candidates/' + encodeURIComponent(e.target.value))}>
        ${list.data.candidates.nodes.map((c) => html`<option value=${c.id}>${c.name} — ${c.positionTitle} (${label(c.stage)})</option>`)}
      </select></div>`}
    ${report.loading && !r && html`<${Loading} what="Loading the report" />`}
    ${report.error && html`<${ErrorBox} error=${report.error} />`}
    ${r && html`<div class="report">
      <dl class="facts inline">
        <div><dt>Decision-ready</dt><dd><span class=${'badge ' + (r.decisionReady ? 'status-published' : 'status-draft')}>${r.decisionReady ? 'Yes' : 'Not yet'}</span></dd></div>
        <div><dt>Submitted scorecards</dt><dd>${r.submittedScorecards}</dd></div>
        <div><dt>Panel agreement (std dev, 0 = agree)</dt><dd>${number(r.agreement)}</dd></div>
      </dl>
      <div class="table-wrap"><table class="list">
        <caption>Calls per round</caption>
        <thead><tr><th scope="col">Round</th><th scope="col">Calls</th><th scope="col" class="num">Spread</th></tr></thead>
        <tbody>${r.rounds.map((round) => html`<tr>
          <td data-label="Round">${round.title} <span class="muted small">${label(round.kind)} · ${label(round.planStatus)}</span></td>
          <td data-label="Calls">${round.interviewers.map((i) => html`<span class="call">${i.interviewer.displayName}: <span class=${'rec rec-' + (i.recommendation || 'none').toLowerCase()}>${i.submitted ? label(i.recommendation) : 'pending'}</span></span>`)}</td>
          <td data-label="Spread" class="num">${round.spread === null ? '—' : round.spread}</td>
        </tr>`)}</tbody>
      </table></div>
      <div class="columns report-charts">
        <${BarChart} id="category-means" title="Mean rating per category (1–4)" max=${4} format=${(v) => number(v)}
          columns=${['Category', 'Mean rating']} rows=${r.categoryMeans.map((m) => ({ label: m.category.name, value: m.meanRating }))} />
        <${BarChart} id="competency-means" title="Mean rating per competency (1–4)" max=${4} format=${(v) => number(v)} kind="alt"
          columns=${['Competency', 'Mean rating']} rows=${r.competencyMeans.map((m) => ({ label: m.competency.name, value: m.meanRating }))} />
      </div>
      ${r.categoryMeans.length === 0 && html`<p class="muted">No submitted ratings yet.</p>`}
    </div>`}
  </section>`;
}

export function Dashboard({ candidateId }) {
  const [version, setVersion] = useState(0);
  const [notice, setNotice] = useState(null);
  const [status, setStatus] = useState('connecting');
  const { data, error, loading } = useLoad(() => gql(REPORTS), [version]);
  useEffect(() => subscribe(LIVE, {}, (event) => {
    const card = event.scorecardSubmitted;
    setNotice(`${card.interviewer.displayName} submitted a scorecard for ${card.candidate.name}; the reports are updated.`);
    setVersion((v) => v + 1);
  }, setStatus), []);
  return html`<section class="page dashboard">
    <div class="page-head">
      <h1>Dashboard</h1>
      <span class=${'live live-' + status} role="status" aria-live="polite">${status === 'live' ? 'Live' : label(status)}</span>
    </div>
    ${notice && html`<${Notice}>${notice}</${Notice}>`}
    ${error && html`<${ErrorBox} error=${error} />`}
    ${loading && !data && html`<${Loading} what="Loading the reports" />`}
    ${data && html`
      <div class="columns">
        <section class="panel" aria-labelledby="pipeline">
          <h2 id="pipeline">Pipeline <span class="count">${data.pipeline.totalCandidates} candidates</span></h2>
          <${BarChart} id="pipeline-stages" title="Candidates per stage" columns=${['Stage', 'Candidates']}
            rows=${STAGES.map((s) => data.pipeline.stages.find((x) => x.stage === s) || { stage: s, candidates: 0 })
              .map((s) => ({ label: label(s.stage), value: s.candidates, className: 'stage-' + s.stage.toLowerCase() }))} />
          <${BarChart} id="pipeline-days" title="Median days in each stage (completed stays)" kind="alt" columns=${['Stage', 'Median days']}
            format=${(v) => (v === null || v === undefined ? '—' : number(v, 1))}
            rows=${data.pipeline.stages.filter((s) => s.medianDays !== null).map((s) => ({ label: label(s.stage), value: s.medianDays }))} />
        </section>
        <section class="panel" aria-labelledby="calibration">
          <h2 id="calibration">Interviewer calibration</h2>
          <${DivergingChart} id="leniency" title="Leniency (z-score of mean rating against peers)" columns=${['Interviewer', 'Leniency']}
            rows=${data.interviewerCalibration.map((c) => ({ label: c.interviewer.displayName, value: c.leniency }))} />
          <div class="table-wrap"><table class="list compact">
            <caption class="sr-only">Calibration figures</caption>
            <thead><tr><th scope="col">Interviewer</th><th scope="col" class="num">Scorecards</th><th scope="col" class="num">Mean</th><th scope="col" class="num">Median hours to submit</th></tr></thead>
            <tbody>${data.interviewerCalibration.map((c) => html`<tr>
              <td data-label="Interviewer">${c.interviewer.displayName}</td><td data-label="Scorecards" class="num">${c.scorecardsSubmitted}</td>
              <td data-label="Mean" class="num">${number(c.meanRating)}</td><td data-label="Median hours" class="num">${number(c.medianHoursToSubmit, 1)}</td></tr>`)}</tbody>
          </table></div>
        </section>
      </div>
      <${CandidateReport} candidateId=${candidateId} version=${version} />
      <${QuestionStats} stats=${data.questionStats} />`}
  </section>`;
}
