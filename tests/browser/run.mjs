// The web app in a real browser: Debian's Chromium, driven headless by
// playwright-core, against the real binary on a fresh SQLite file with
// `serve --demo`.
//
//   IP_BINARY   the binary (default target/debug/interview-planner)
//   CHROMIUM    the browser (default /usr/bin/chromium; never downloaded)
//   IP_SCREENSHOTS  where screenshots go (default target/browser-screenshots)
//
// Exits non-zero with the failing step's name and cause.

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const BINARY = path.resolve(root, process.env.IP_BINARY || 'target/debug/interview-planner');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SHOTS = path.resolve(root, process.env.IP_SCREENSHOTS || 'target/browser-screenshots');
const DESKTOP = { width: 1400, height: 900 };
const PHONE = { width: 390, height: 844 };
const TIMEOUT = 15_000;

const started = Date.now();
let server = null;
let browser = null;
let workdir = null;
const serverLog = [];
const requests = []; // every URL any page asked for
const offOrigin = [];
const pageProblems = [];
let passed = 0;

function fail(message) {
  throw new Error(message);
}

async function step(name, body) {
  const t0 = Date.now();
  try {
    await body();
    passed += 1;
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (err) {
    console.error(`FAIL ${name}: ${err && err.message ? err.message.split('\n').slice(0, 6).join('\n     ') : err}`);
    throw Object.assign(new Error(`step "${name}" failed`), { reported: true });
  }
}

// ---- the server ------------------------------------------------------------

function startServer() {
  if (!existsSync(BINARY)) fail(`no binary at ${BINARY}; run \`cargo build\` first or set IP_BINARY`);
  workdir = mkdtempSync(path.join(tmpdir(), 'ip-browser-'));
  const env = {
    ...process.env,
    DATABASE_URL: `sqlite://${path.join(workdir, 'demo.db')}?mode=rwc`,
    BIND: '127.0.0.1:0',
    APP_ENV: 'development',
    RUST_LOG: 'warn',
    LOG_FORMAT: 'text',
  };
  // IP_WEB_DIR (files from the source tree) passes through for working on
  // the app; CI leaves it unset and tests the embedded files.
  delete env.JWT_SECRET;
  server = spawn(BINARY, ['serve', '--demo'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const users = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server printed no address within 120 s:\n${serverLog.join('')}`)), 120_000);
    let buffer = '';
    server.stdout.on('data', (chunk) => {
      buffer += chunk;
      let newline;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + 1);
        const user = /^(ADMIN|HIRING_MANAGER|INTERVIEWER|VIEWER)\s+(\S+@\S+)\s+(\S+)$/.exec(line);
        if (user) users.push({ role: user[1], email: user[2], password: user[3] });
        const app = /^Web app: (http:\/\/127\.0\.0\.1:\d+)\/$/.exec(line);
        if (app) {
          clearTimeout(timer);
          resolve({ origin: app[1], users });
        }
      }
    });
    server.stderr.on('data', (chunk) => serverLog.push(String(chunk)));
    server.on('exit', (code) => reject(new Error(`the server exited with ${code}:\n${serverLog.join('')}`)));
  });
}

async function api(origin, query, variables = {}, token = null) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${origin}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  const body = await response.json();
  if (body.errors) fail(`API: ${JSON.stringify(body.errors)}`);
  return body.data;
}

// ---- the browser -------------------------------------------------------------

async function newPage(origin, viewport = DESKTOP) {
  const context = await browser.newContext({ viewport, serviceWorkers: 'block' });
  const host = new URL(origin).host;
  // Every request of every page passes here: recorded, and refused unless
  // it goes to the server under test.
  await context.route('**/*', (route) => {
    const url = route.request().url();
    requests.push(url);
    if (new URL(url).host !== host) {
      offOrigin.push(url);
      return route.abort('blockedbyclient');
    }
    return route.continue();
  });
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(`Refused by the Content Security Policy: ${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  page.on('websocket', (ws) => {
    requests.push(ws.url());
    if (new URL(ws.url()).host !== host) offOrigin.push(ws.url());
  });
  page.on('pageerror', (err) => pageProblems.push(`page error on ${page.url()}: ${err.message}`));
  page.on('console', (message) => {
    const text = message.text();
    if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(text)) {
      pageProblems.push(`CSP on ${page.url()}: ${text}`);
    }
  });
  return page;
}

/** Client-side navigation (the session lives in the page's memory). */
async function go(page, to) {
  await page.evaluate((p) => {
    history.pushState(null, '', p);
    dispatchEvent(new PopStateEvent('popstate'));
  }, to);
}

async function signIn(page, origin, user, { keyboard = false } = {}) {
  await page.goto(`${origin}/`);
  if (keyboard) {
    // Keyboard only: Tab to the email field, Tab to the password, Enter.
    await page.getByLabel('Email').waitFor();
    await page.keyboard.press('Tab');
    await page.keyboard.type(user.email);
    await page.keyboard.press('Tab');
    await page.keyboard.type(user.password);
    await page.keyboard.press('Enter');
  } else {
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }
  await page.locator('header.top').waitFor();
}

const unlabelled = [];
let controlsChecked = 0;

/** Controls of the app's page that have no accessible name (labels on
 * every control): inputs, selects and textareas without a label or
 * aria-label, buttons and links without text or aria-label. */
async function checkLabels(page, name) {
  if (page.url().includes('/graphql')) return; // GraphiQL's own markup
  const missing = await page.evaluate(() => {
    const named = (el) => (el.labels && el.labels.length > 0) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || el.closest('label');
    const found = [];
    const all = document.querySelectorAll('input, select, textarea, button, a[href]').length;
    for (const el of document.querySelectorAll('input, select, textarea')) {
      if (el.type !== 'hidden' && !named(el)) found.push(`${el.tagName.toLowerCase()}#${el.id || '?'}`);
    }
    for (const el of document.querySelectorAll('button, a[href]')) {
      if (!el.innerText.trim() && !el.getAttribute('aria-label')) found.push(`${el.tagName.toLowerCase()} ${el.outerHTML.slice(0, 60)}`);
    }
    return { found, all };
  });
  controlsChecked += missing.all;
  for (const m of missing.found) unlabelled.push(`${name}: ${m}`);
}

let shots = 0;

async function shot(page, name) {
  shots += 1;
  const size = page.viewportSize();
  const file = path.join(SHOTS, `${name}-${size.width}x${size.height}.png`);
  await checkLabels(page, name);
  await page.waitForTimeout(150);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

function expectText(actual, wanted, what) {
  if (!actual.includes(wanted)) fail(`${what}: expected “${wanted}” in “${actual.slice(0, 300)}”`);
}

// ---- the suite ----------------------------------------------------------------

async function main() {
  mkdirSync(SHOTS, { recursive: true });
  let origin;
  let users;
  await step('the binary starts on a fresh SQLite file with serve --demo', async () => {
    ({ origin, users } = await startServer());
    for (const role of ['ADMIN', 'HIRING_MANAGER', 'INTERVIEWER', 'VIEWER']) {
      if (!users.some((u) => u.role === role)) fail(`no ${role} among the printed demo users`);
    }
  });
  const byRole = (role) => users.filter((u) => u.role === role);
  const admin = byRole('ADMIN')[0];
  const manager = byRole('HIRING_MANAGER')[0];
  const viewer = byRole('VIEWER')[0];

  await step('GET / answers the app with a strict Content-Security-Policy', async () => {
    const response = await fetch(`${origin}/candidates/anything`, { headers: { accept: 'text/html' } });
    if (response.status !== 200) fail(`status ${response.status}`);
    const csp = response.headers.get('content-security-policy') || '';
    expectText(csp, "default-src 'none'", 'CSP');
    expectText(csp, "connect-src 'self' ws://", 'CSP');
    if (/unsafe-inline/.test(csp.split(';').find((d) => d.includes('script-src')))) fail(`inline scripts allowed: ${csp}`);
  });

  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });

  await step('every demo role signs in, sees its own sections and signs out', async () => {
    const expected = {
      ADMIN: ['Candidates', 'Dashboard', 'Users'],
      HIRING_MANAGER: ['Candidates', 'Dashboard', 'My rounds'],
      INTERVIEWER: ['My rounds'],
      VIEWER: ['Dashboard'],
    };
    for (const role of Object.keys(expected)) {
      const user = byRole(role)[0];
      const page = await newPage(origin);
      await signIn(page, origin, user, { keyboard: role === 'VIEWER' });
      const nav = await page.locator('#main-nav').innerText();
      for (const section of expected[role]) expectText(nav, section, `${role}'s navigation`);
      if (role === 'INTERVIEWER' && nav.includes('Dashboard')) fail('an interviewer is offered the dashboard');
      if (role === 'ADMIN') await shot(page, 'candidates');
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      await page.context().close();
    }
    const page = await newPage(origin);
    await page.goto(`${origin}/`);
    await page.getByLabel('Email').fill(admin.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('.problems').waitFor();
    await shot(page, 'signin-refused');
    await page.context().close();
  });

  // An interviewer with a round still to score (the demo leaves some).
  let interviewer;
  let roundId;
  let candidateId;
  await step('the demo has an interviewer with a round to score', async () => {
    for (const user of byRole('INTERVIEWER')) {
      const { login } = await api(origin, 'mutation($e:String!,$p:String!){login(email:$e,password:$p){accessToken}}', { e: user.email, p: user.password });
      const data = await api(origin, '{ me { id } myRounds { id plan { candidate { id } } scorecards { status interviewer { id } } } }', {}, login.accessToken);
      const open = data.myRounds.find((r) => !r.scorecards.some((s) => s.interviewer.id === data.me.id && s.status === 'SUBMITTED'));
      if (open) {
        interviewer = user;
        roundId = open.id;
        candidateId = open.plan.candidate.id;
        return;
      }
    }
    fail('no interviewer has an unsubmitted round');
  });

  await step('an interviewer submits a scorecard from the round page; problems show next to their fields; a watching hiring manager sees it live', async () => {
    const watcher = await newPage(origin);
    await signIn(watcher, origin, manager);
    await go(watcher, `/candidates/${encodeURIComponent(candidateId)}`);
    await watcher.locator('.live-live').waitFor();
    const board = await newPage(origin);
    await signIn(board, origin, viewer);
    await board.locator('.live-live').waitFor();

    const page = await newPage(origin);
    await signIn(page, origin, interviewer);
    await page.getByRole('heading', { name: 'My rounds', level: 1 }).waitFor();
    await shot(page, 'my-rounds');
    await page.locator(`a[href="/rounds/${encodeURIComponent(roundId)}"]`).first().click();
    await page.getByRole('button', { name: 'Submit scorecard' }).waitFor();
    const questions = await page.locator('li.question').count();
    if (questions === 0) fail('the round page shows no questions');
    const anchors = await page.locator('li.question').first().locator('.choice-anchor').count();
    if (anchors !== 4) fail(`the first question shows ${anchors} rubric anchors, not 4`);
    await page.locator('li.question').first().locator('details .guidance').waitFor();

    // Submitting an empty scorecard: every problem next to its field.
    await page.getByRole('button', { name: 'Submit scorecard' }).click();
    await page.locator('#summary-problems').waitFor();
    await page.locator('#rec-problems').waitFor();
    await page.locator('#q-0-problems').waitFor();
    await shot(page, 'round-problems');

    for (let i = 0; i < questions; i += 1) {
      const q = page.locator('li.question').nth(i);
      await q.locator('label.choice').nth(2).click();
      await q.getByLabel(`Notes for Q${i + 1}`).fill(`Browser test notes for question ${i + 1}.`);
    }
    const competencies = page.locator('.competency');
    for (let i = 0; i < (await competencies.count()); i += 1) {
      await competencies.nth(i).locator('label.choice').nth(3).click();
    }
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByText('Draft saved').waitFor();
    await page.locator('label.rec-choice', { hasText: /^\s*Yes\s*$/ }).click();
    await page.getByLabel('Summary').fill('Solid answers; explained trade-offs clearly.');
    await shot(page, 'round');
    if (await page.locator('article.scorecard').count()) fail("colleagues' scorecards show before submitting (blind rule)");
    await page.getByRole('button', { name: 'Submit scorecard' }).click();
    await page.getByText('Your scorecard is submitted').waitFor();
    await page.getByRole('heading', { name: "Colleagues' scorecards" }).waitFor();
    // Round 1 of the candidate is done in the demo, so at least one
    // colleague's scorecard exists; the API shows it now, not before.
    await page.locator('article.scorecard').first().waitFor();
    await shot(page, 'round-submitted');

    await watcher.getByText('submitted a scorecard for').waitFor();
    await board.getByText('the reports are updated').waitFor();
    await shot(watcher, 'candidate-live');
    for (const p of [page, watcher, board]) await p.context().close();
  });

  await step('a hiring manager builds a plan, sees a refused publish list its problems by round, autofills and publishes', async () => {
    const page = await newPage(origin);
    await signIn(page, origin, manager);
    const rows = page.locator('table.list tbody tr');
    await rows.first().waitFor();
    const firstPage = await rows.first().innerText();
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.waitForFunction((text) => document.querySelector('table.list tbody tr').innerText !== text, firstPage);
    await page.getByRole('button', { name: 'Previous page' }).click();
    await page.waitForFunction((text) => document.querySelector('table.list tbody tr').innerText === text, firstPage);
    await page.getByLabel('Search name or email').fill('hopper');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForFunction(() => /[?&]search=hopper/.test(location.search));
    await page.waitForFunction(() => {
      const found = [...document.querySelectorAll('table.list tbody tr')];
      return found.length > 0 && found.every((row) => row.innerText.toLowerCase().includes('hopper'));
    });
    await page.getByLabel('Search name or email').fill('');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByLabel('Stage').selectOption('APPLIED');
    await page.locator('table.list tbody tr').first().waitFor();
    await page.locator('table.list tbody tr a').first().click();
    await page.getByRole('heading', { name: 'Move the candidate' }).waitFor();
    const moves = await page.locator('section[aria-labelledby="moves"] button').allInnerTexts();
    if (moves.join('|') !== 'Move to Screening|Move to Rejected|Move to Withdrawn') fail(`moves offered from Applied: ${moves.join(', ')}`);
    await page.getByLabel('New plan title').fill('Browser test loop');
    await page.getByRole('button', { name: 'Create plan' }).click();
    await page.getByRole('heading', { name: /Browser test loop/ }).waitFor();

    // Round 1: no interviewer yet; round 2: a question longer than its box.
    await page.getByRole('button', { name: 'Add round' }).click();
    await page.getByLabel('Title').fill('Technical screen');
    await page.getByLabel('Kind').selectOption('TECHNICAL_SCREEN');
    await page.getByLabel('Time box (minutes)').fill('45');
    await page.getByRole('button', { name: 'Add round' }).click();
    await page.locator('li.round-card').first().waitFor();
    await page.getByRole('button', { name: 'Add round' }).click();
    await page.getByLabel('Title').fill('Quick design');
    await page.getByLabel('Kind').selectOption('SYSTEM_DESIGN');
    await page.getByLabel('Time box (minutes)').fill('5');
    await page.locator('form[aria-label="New round"] fieldset.checks').first().locator('input').first().check();
    await page.getByRole('button', { name: 'Add round' }).click();
    await page.locator('li.round-card').nth(1).waitFor();

    const second = page.locator('li.round-card').nth(1);
    await second.getByRole('button', { name: 'Browse the bank' }).click();
    await second.getByLabel('Search the bank').fill('index');
    await second.getByRole('button', { name: 'Find' }).click();
    await second.locator('.bank-list li').first().waitFor();
    await second.locator('.bank-list li button', { hasText: 'Add' }).first().click();
    await second.locator('.round-questions li').first().waitFor();

    await page.getByRole('button', { name: 'Publish plan' }).click();
    await page.locator('#publish-problems').waitFor();
    const first = await page.locator('#round-0-problems').innerText();
    expectText(first, 'no interviewer', 'problems next to round 1');
    const over = await page.locator('#round-1-problems').innerText();
    expectText(over, 'time box', 'problems next to round 2');
    await shot(page, 'plan-refused');

    // Fix: remove round 2, autofill round 1, assign an interviewer, publish.
    await second.getByRole('button', { name: 'Remove Quick design' }).click();
    await page.locator('li.round-card').nth(1).waitFor({ state: 'detached' });
    const round = page.locator('li.round-card').first();
    await round.getByRole('button', { name: 'Autofill' }).click();
    await round.locator('.round-questions li').first().waitFor();
    const filled = await round.locator('.round-questions li').count();
    if (filled > 1) {
      const firstPrompt = await round.locator('.round-questions li .rq-main > span:first-child').first().innerText();
      await round.getByRole('button', { name: 'Move question 1 down' }).click();
      await page.waitForFunction((text) => {
        const prompts = [...document.querySelectorAll('li.round-card .round-questions li .rq-main > span:first-child')];
        return prompts[1] && prompts[1].innerText === text;
      }, firstPrompt);
    }
    const minutes = await round.locator('.minutes-text').innerText();
    await round.getByRole('button', { name: 'Edit' }).click();
    await round.locator('fieldset.checks').first().locator('input').first().check();
    await round.getByRole('button', { name: 'Save round' }).click();
    await round.locator('form.round-editor').waitFor({ state: 'detached' });
    await shot(page, 'plan-draft');
    await page.getByRole('button', { name: 'Publish plan' }).click();
    await page.getByText('Published: the interviewers now see their rounds.').waitFor();
    await page.locator('h1 .badge', { hasText: 'Published' }).waitFor();
    console.log(`     autofill chose ${filled} questions (${minutes})`);

    // Back on the candidate: one move forward, and the next moves follow.
    await page.locator('.crumbs a').nth(1).click();
    await page.getByRole('button', { name: 'Move to Screening' }).click();
    await page.getByRole('button', { name: 'Move to Interviewing' }).waitFor();
    const next = await page.locator('section[aria-labelledby="moves"] button').allInnerTexts();
    if (next.join('|') !== 'Move to Interviewing|Move to Rejected|Move to Withdrawn') fail(`moves offered from Screening: ${next.join(', ')}`);

    // A new candidate: an empty form names each field's problem, then it is added.
    await page.locator('.crumbs a').first().click();
    await page.getByRole('button', { name: 'Add candidate' }).click();
    const form = page.locator('form[aria-label="New candidate"]');
    await form.getByRole('button', { name: 'Add' }).click();
    await form.locator('#new-name + .problems').waitFor();
    await form.locator('#new-email + .problems').waitFor();
    await form.getByLabel('Name').fill('Browser Test Candidate');
    await form.getByLabel('Email').fill(`browser.${Date.now()}@example.com`);
    await form.getByLabel('Position').fill('Backend Engineer');
    await form.getByLabel('Level').selectOption('SENIOR');
    await form.getByRole('button', { name: 'Add' }).click();
    await page.getByRole('heading', { name: 'Browser Test Candidate', level: 1 }).waitFor();
    expectText(await page.locator('.facts').first().innerText(), 'Applied', 'the new candidate\'s stage');
    await page.context().close();
  });

  await step('the dashboard draws every chart from the demo data and sorts questions by discrimination', async () => {
    const page = await newPage(origin);
    await signIn(page, origin, viewer);
    await page.locator('[data-chart="pipeline-stages"] rect.bar').first().waitFor();
    const count = async (chart) => page.locator(`[data-chart="${chart}"] rect.bar`).count();
    if ((await count('pipeline-stages')) !== 7) fail('the pipeline chart has no bar for each of the 7 stages');
    if ((await count('pipeline-days')) < 1) fail('no median-days bars');
    if ((await count('leniency')) < 2) fail('the leniency chart has fewer than 2 interviewers');
    await page.locator('[data-chart="category-means"] rect.bar').first().waitFor();
    if ((await count('competency-means')) < 1) fail('no competency means in the candidate report');
    const cells = async () => (await page.locator('[data-table="question-stats"] tbody td:nth-child(5)').allInnerTexts())
      .map((t) => (t.includes('—') ? null : Number(t.replace(/[^0-9.-]/g, ''))));
    const sorted = (values, down) => values.filter((v) => v !== null).every((v, i, a) => i === 0 || (down ? a[i - 1] >= v : a[i - 1] <= v));
    const before = await cells();
    if (before.length < 5) fail(`only ${before.length} rows of question stats`);
    if (!sorted(before, true)) fail('question stats are not sorted by discrimination, highest first');
    await page.getByRole('button', { name: /Discrimination/ }).click();
    if (!sorted(await cells(), false)) fail('a click on Discrimination does not sort lowest first');
    await shot(page, 'dashboard');
    await page.context().close();
  });

  await step('an administrator lists the users of the organization with their roles', async () => {
    const page = await newPage(origin);
    await signIn(page, origin, admin);
    // The app trades its refresh token (as its timer does a minute before
    // the access token expires) and carries on with the new tokens.
    const renewed = await page.evaluate(async () => {
      const main = document.querySelector('script[type="module"]').src;
      const api = await import(main.replace(/main\.js$/, 'api.js'));
      const before = api.currentSession();
      await api.refresh();
      const after = api.currentSession();
      // (The access token may be byte-identical within the same second.)
      return before.refreshToken !== after.refreshToken && new Date(after.expiresAt) > new Date();
    });
    if (!renewed) fail('refreshSession did not give the app new tokens');
    await go(page, '/admin/users');
    await page.locator('table.list tbody tr').first().waitFor();
    const rows = await page.locator('table.list tbody tr').count();
    if (rows < users.length) fail(`${rows} users listed, ${users.length} printed by the demo`);
    await page.getByLabel(/^Role of /).first().waitFor();
    await shot(page, 'admin-users');
    await page.context().close();
  });

  await step('GraphiQL renders offline, runs { me { displayName } } and receives a subscription event', async () => {
    const page = await newPage(origin);
    await signIn(page, origin, admin);
    await page.locator('#main-nav a', { hasText: 'GraphiQL' }).click();
    await page.locator('.graphiql-container').waitFor();
    await page.locator('.graphiql-execute-button').click();
    const result = page.locator('.result-window');
    await result.getByText('displayName').waitFor();
    const { login } = await api(origin, 'mutation($e:String!,$p:String!){login(email:$e,password:$p){user{displayName}}}', { e: admin.email, p: admin.password });
    await result.getByText(login.user.displayName).waitFor();
    await shot(page, 'graphiql');

    // A subscription over GraphiQL's WebSocket (the subscription URL and
    // connection_init token are set): a scorecard submitted through the
    // API arrives in the result pane.
    // Listen before the click: the acknowledgement may come at once.
    const acked = new Promise((resolve) => {
      page.on('websocket', (socket) => {
        socket.on('framereceived', (frame) => {
          if (String(frame.payload).includes('connection_ack')) resolve(socket);
        });
      });
    });
    await page.evaluate(() => {
      document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror
        .setValue('subscription { scorecardSubmitted { id interviewer { displayName } } }');
    });
    // GraphiQL parses the editor's text a moment after a change; a click
    // before that would send the previous document's kind of request.
    await page.waitForTimeout(800);
    await page.locator('.graphiql-execute-button').click();
    const ws = await Promise.race([
      acked,
      new Promise((_, reject) => setTimeout(() => reject(new Error('GraphiQL opened no acknowledged WebSocket within 15 s')), TIMEOUT)),
    ]);
    if (!ws.url().endsWith('/graphql')) fail(`GraphiQL subscribed at ${ws.url()}`);
    const { login: who } = await api(origin, 'mutation($e:String!,$p:String!){login(email:$e,password:$p){accessToken user{displayName}}}', { e: interviewer.email, p: interviewer.password });
    const data = await api(origin, '{ me { id } myRounds { id questions { questionId } focusCompetencies { id } scorecards { status interviewer { id } } } }', {}, who.accessToken);
    const open = data.myRounds.find((r) => r.questions.length && !r.scorecards.some((c) => c.interviewer.id === data.me.id && c.status === 'SUBMITTED'));
    if (open) {
      await api(origin, 'mutation($r:ID!,$i:ScorecardInput!){submitScorecard(roundId:$r,input:$i){id}}', {
        r: open.id,
        i: {
          questionRatings: open.questions.map((q) => ({ questionId: q.questionId, rating: 3, notes: '' })),
          competencyRatings: open.focusCompetencies.map((c) => ({ competencyId: c.id, rating: 3 })),
          recommendation: 'YES',
          summary: 'Submitted while GraphiQL listens.',
        },
      }, who.accessToken);
      await result.getByText(who.user.displayName).waitFor();
      console.log('     GraphiQL received the scorecardSubmitted event');
    } else {
      console.log('     (no second open round: GraphiQL subscribed and was acknowledged, no event sent)');
    }
    await page.context().close();
  });

  await step('screenshots of every page at 1400×900 and 390×844', async () => {
    for (const viewport of [DESKTOP, PHONE]) {
      const page = await newPage(origin, viewport);
      await page.goto(`${origin}/`);
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      await shot(page, 'signin');
      await signIn(page, origin, manager);
      await page.locator('table.list tbody tr').first().waitFor();
      await shot(page, 'candidates');
      // The candidate the interviewer scored: plans, history, scorecards.
      await go(page, `/candidates/${encodeURIComponent(candidateId)}`);
      await page.getByRole('heading', { name: 'Interview plans' }).waitFor();
      await page.locator('section[aria-labelledby="scorecards"] tbody tr').first().waitFor();
      await shot(page, 'candidate');
      const plan = page.locator('section[aria-labelledby="plans"] a').first();
      if (await plan.count()) {
        await plan.click();
        await page.locator('li.round-card').first().waitFor();
        await shot(page, 'plan');
      }
      await go(page, '/dashboard');
      await page.locator('[data-chart="category-means"] rect.bar').first().waitFor();
      await shot(page, 'dashboard');
      await go(page, '/rounds');
      await page.getByRole('heading', { name: 'My rounds', level: 1 }).waitFor();
      await shot(page, 'my-rounds-manager');
      await page.context().close();

      const ip = await newPage(origin, viewport);
      await signIn(ip, origin, interviewer);
      await ip.locator('li.card a').first().waitFor();
      await shot(ip, 'my-rounds');
      await ip.locator('li.card a').first().click();
      await ip.locator('.round-page h1').waitFor();
      await shot(ip, 'round');
      await ip.context().close();

      const ad = await newPage(origin, viewport);
      await signIn(ad, origin, admin);
      await go(ad, '/admin/users');
      await ad.locator('table.list tbody tr').first().waitFor();
      await shot(ad, 'admin-users');
      if (viewport === PHONE) {
        await ad.getByRole('button', { name: 'Menu' }).click();
        await shot(ad, 'menu');
      }
      // (On the phone the menu is open from the screenshot above.)
      await ad.locator('#main-nav a', { hasText: 'GraphiQL' }).click();
      await ad.locator('.graphiql-container').waitFor();
      await ad.locator('.graphiql-execute-button').click();
      await ad.locator('.result-window').getByText('displayName').waitFor();
      await shot(ad, 'graphiql');
      await ad.context().close();
    }
  });

  await step('every request of every page went to the server under test (127.0.0.1)', async () => {
    const host = new URL(origin).host;
    const others = requests.filter((url) => !url.startsWith('data:') && new URL(url).host !== host);
    if (offOrigin.length || others.length) fail(`requests left 127.0.0.1:\n${[...new Set([...offOrigin, ...others])].join('\n')}`);
    if (requests.length < 50) fail(`only ${requests.length} requests were recorded`);
    console.log(`     ${requests.length} requests checked, all to ${origin} (${requests.filter((u) => u.startsWith('ws')).length} WebSockets)`);
  });

  await step('no page had a script error or a Content-Security-Policy violation', async () => {
    if (pageProblems.length) fail([...new Set(pageProblems)].join('\n'));
  });

  await step('every control of every page has a label', async () => {
    if (unlabelled.length) fail(`controls without an accessible name:\n${[...new Set(unlabelled)].join('\n')}`);
    console.log(`     ${controlsChecked} controls and links checked on ${shots} screenshots`);
  });
}

async function stop() {
  if (browser) await browser.close().catch(() => {});
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await new Promise((resolve) => {
      const timer = setTimeout(() => {
        server.kill('SIGKILL');
        resolve();
      }, 5000);
      server.on('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
  if (workdir) rmSync(workdir, { recursive: true, force: true });
}

main()
  .then(async () => {
    await stop();
    console.log(`\nbrowser suite: ${passed} steps passed in ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots in ${SHOTS}`);
  })
  .catch(async (err) => {
    await stop();
    if (!err.reported) console.error(`FAIL ${err.stack || err}`);
    if (serverLog.length) console.error(`\nserver log (stderr):\n${serverLog.join('').slice(-4000)}`);
    console.error(`\nbrowser suite failed after ${passed} passing steps (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    process.exit(1);
  });
