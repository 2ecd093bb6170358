// The GraphQL client of the app: one POST /graphql per call, the session's
// tokens kept in memory only (see README "The web app"), refreshed a minute
// before the access token expires.

let session = null; // { accessToken, refreshToken, expiresAt, user }
let refreshTimer = null;
let refreshing = null;
const listeners = new Set();

/** An error answered by the API: `code` is extensions.code; `problems`
 * lists every {field, message} of a BAD_USER_INPUT. */
export class ApiError extends Error {
  constructor(message, code, problems = [], extensions = {}) {
    super(message);
    this.code = code;
    this.problems = problems;
    this.extensions = extensions;
  }
}

export function currentSession() {
  return session;
}

/** Calls `listener(session)` whenever the session starts, changes or ends. */
export function onSession(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function setSession(next) {
  session = next;
  clearTimeout(refreshTimer);
  if (session) {
    const lead = 60_000;
    const wait = Math.max(5_000, new Date(session.expiresAt).getTime() - Date.now() - lead);
    refreshTimer = setTimeout(() => refresh().catch(() => {}), wait);
  }
  for (const listener of listeners) listener(session);
}

async function post(query, variables, token) {
  const headers = { 'content-type': 'application/json', accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch('/graphql', {
      method: 'POST',
      headers,
      body: JSON.stringify({ query, variables }),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch (err) {
    throw new ApiError('The service cannot be reached; check your connection and try again.', 'NETWORK');
  }
  let body;
  try {
    body = await response.json();
  } catch (err) {
    throw new ApiError(`The service answered ${response.status} without JSON.`, 'INTERNAL');
  }
  return { status: response.status, body };
}

function toError(error) {
  const ext = error.extensions || {};
  return new ApiError(error.message, ext.code || 'INTERNAL', ext.problems || [], ext);
}

const AUTH_FIELDS = 'accessToken refreshToken expiresAt user { id displayName email role }';

/** Runs `query` with `variables` as the signed-in user; answers `data`
 * or throws the first error as an ApiError. An expired access token is
 * refreshed once and the call repeated. */
export async function gql(query, variables = {}) {
  if (refreshing) await refreshing.catch(() => {});
  let { status, body } = await post(query, variables, session && session.accessToken);
  if (status === 401 && session) {
    await refresh();
    ({ status, body } = await post(query, variables, session && session.accessToken));
  }
  if (body.errors && body.errors.length) {
    const error = toError(body.errors[0]);
    if (error.code === 'UNAUTHENTICATED' && status === 401) setSession(null);
    throw error;
  }
  return body.data;
}

export async function signIn(email, password) {
  const { body } = await post(
    `mutation SignIn($email: String!, $password: String!) { login(email: $email, password: $password) { ${AUTH_FIELDS} } }`,
    { email, password },
  );
  if (body.errors && body.errors.length) throw toError(body.errors[0]);
  setSession(body.data.login);
  return session;
}

/** Trades the refresh token for new tokens; a refusal ends the session. */
export function refresh() {
  if (!session) return Promise.reject(new ApiError('not signed in', 'UNAUTHENTICATED'));
  if (refreshing) return refreshing;
  const token = session.refreshToken;
  refreshing = post(
    `mutation Refresh($token: String!) { refreshSession(refreshToken: $token) { ${AUTH_FIELDS} } }`,
    { token },
  )
    .then(({ body }) => {
      if (body.errors && body.errors.length) {
        setSession(null);
        throw toError(body.errors[0]);
      }
      setSession(body.data.refreshSession);
      return session;
    })
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

export async function signOut() {
  const token = session && session.refreshToken;
  setSession(null);
  if (token) {
    await post('mutation SignOut($token: String!) { logout(refreshToken: $token) }', { token }).catch(() => {});
  }
}

/** The problems of `error` whose field is `field` or starts with `field.`
 * or `field[` (so `rounds[0]` collects `rounds[0].interviewerIds`). */
export function problemsAt(error, field, { exact = false } = {}) {
  if (!error || !error.problems) return [];
  return error.problems.filter(
    (p) => p.field === field || (!exact && (p.field.startsWith(field + '.') || p.field.startsWith(field + '['))),
  );
}
