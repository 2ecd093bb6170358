// Sign-in with email and password (the `login` mutation).

import { useState } from 'preact/hooks';
import { signIn } from '../api.js';
import { html, Problems } from '../ui.js';

export function SignIn() {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(email.trim(), password);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return html`<section class="signin">
    <h1>Interview planner</h1>
    <p class="lede">Sign in to score your rounds, plan interviews and read the reports.</p>
    <form onSubmit=${submit} novalidate>
      <div class="field">
        <label for="email">Email</label>
        <input id="email" name="email" type="email" autocomplete="username" required
          value=${email} onInput=${(e) => setEmail(e.target.value)} />
      </div>
      <div class="field">
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required
          value=${password} onInput=${(e) => setPassword(e.target.value)} />
      </div>
      ${error && html`<${Problems} id="signin-problems" problems=${[{ message: error.message }]} />`}
      <button type="submit" disabled=${busy}>${busy ? 'Signing in…' : 'Sign in'}</button>
    </form>
    <p class="hint">The API and its documentation are in <a href="/graphql" data-external>GraphiQL</a>.</p>
  </section>`;
}
