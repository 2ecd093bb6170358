// Administrators: the organization's users, their roles and status.

import { useState } from 'preact/hooks';
import { gql, problemsAt } from '../api.js';
import { html, useLoad, Loading, ErrorBox, Problems, Notice, label, formatDate } from '../ui.js';

const ROLES = ['ADMIN', 'HIRING_MANAGER', 'INTERVIEWER', 'VIEWER'];
const USERS = `query Users($filter: UserFilter, $first: Int, $after: String) {
  users(filter: $filter, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor }
    nodes { id displayName email role active createdAt deactivatedAt } } }`;
const UPDATE = `mutation UpdateUser($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { id role } }`;
const DEACTIVATE = `mutation Deactivate($id: ID!) { deactivateUser(id: $id) { id active } }`;
const REACTIVATE = `mutation Reactivate($id: ID!) { reactivateUser(id: $id) { id active } }`;
const CREATE = `mutation CreateUser($input: CreateUserInput!) { createUser(input: $input) { id } }`;

function NewUser({ onCreated }) {
  const [form, setForm] = useState({ displayName: '', email: '', role: 'INTERVIEWER', password: '' });
  const [error, setError] = useState(null);
  const submit = async (e) => {
    e.preventDefault();
    setError(null);
    try {
      await gql(CREATE, { input: form });
      setForm({ displayName: '', email: '', role: 'INTERVIEWER', password: '' });
      onCreated();
    } catch (err) {
      setError(err);
    }
  };
  const field = (name, text, type = 'text', auto = 'off') => html`<div class="field">
    <label for=${'user-' + name}>${text}</label>
    <input id=${'user-' + name} type=${type} autocomplete=${auto} value=${form[name]} onInput=${(e) => setForm({ ...form, [name]: e.target.value })}
      aria-invalid=${problemsAt(error, name).length ? 'true' : undefined} />
    <${Problems} problems=${problemsAt(error, name)} /></div>`;
  return html`<form class="panel inline-form" onSubmit=${submit} aria-labelledby="new-user">
    <h2 id="new-user">Add a user</h2>
    ${field('displayName', 'Name')} ${field('email', 'Email', 'email')}
    <div class="field"><label for="user-role">Role</label>
      <select id="user-role" value=${form.role} onChange=${(e) => setForm({ ...form, role: e.target.value })}>
        ${ROLES.map((r) => html`<option value=${r}>${label(r)}</option>`)}</select></div>
    ${field('password', 'Initial password (12+ characters)', 'password', 'new-password')}
    ${error && error.code !== 'BAD_USER_INPUT' && html`<${ErrorBox} error=${error} />`}
    <div class="actions"><button type="submit">Add user</button></div>
  </form>`;
}

export function Users({ user: me }) {
  const [search, setSearch] = useState('');
  const [applied, setApplied] = useState({ search: '', role: '' });
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState(null);
  const filter = {};
  if (applied.search) filter.search = applied.search;
  if (applied.role) filter.role = applied.role;
  const { data, error: loadError, loading, reload } = useLoad(() => gql(USERS, { filter, first: 100 }), [JSON.stringify(applied)]);
  const act = async (query, variables, done) => {
    setError(null);
    setNotice(null);
    try {
      await gql(query, variables);
      setNotice(done);
      reload();
    } catch (err) {
      setError(err);
    }
  };
  return html`<section class="page">
    <h1>Users</h1>
    <form class="filters" role="search" onSubmit=${(e) => { e.preventDefault(); setApplied({ ...applied, search }); }}>
      <div class="field"><label for="user-search">Search name or email</label>
        <input id="user-search" type="search" value=${search} onInput=${(e) => setSearch(e.target.value)} /></div>
      <div class="field"><label for="role-filter">Role</label>
        <select id="role-filter" value=${applied.role} onChange=${(e) => setApplied({ ...applied, role: e.target.value })}>
          <option value="">All roles</option>${ROLES.map((r) => html`<option value=${r}>${label(r)}</option>`)}</select></div>
      <button type="submit">Search</button>
    </form>
    ${notice && html`<${Notice} kind="success">${notice}</${Notice}>`}
    ${error && html`<${ErrorBox} error=${error} />`}
    ${loadError && html`<${ErrorBox} error=${loadError} />`}
    ${loading && !data && html`<${Loading} what="Loading users" />`}
    ${data && html`<p class="muted" role="status">${data.users.totalCount} users</p>
      <div class="table-wrap"><table class="list">
        <caption class="sr-only">Users of the organization</caption>
        <thead><tr><th scope="col">Name</th><th scope="col">Role</th><th scope="col">Status</th><th scope="col">Actions</th></tr></thead>
        <tbody>${data.users.nodes.map((u) => html`<tr class=${u.active ? '' : 'inactive'}>
          <td data-label="Name">${u.displayName}${u.id === me.id ? ' (you)' : ''}<br /><span class="muted small">${u.email}</span></td>
          <td data-label="Role"><label class="sr-only" for=${'role-' + u.id}>Role of ${u.displayName}</label>
            <select id=${'role-' + u.id} value=${u.role} disabled=${u.id === me.id}
              title=${u.id === me.id ? 'Another administrator changes your role' : undefined} onChange=${(e) => act(UPDATE, { id: u.id, input: { role: e.target.value } }, `${u.displayName} is now ${label(e.target.value)}.`)}>
              ${ROLES.map((r) => html`<option value=${r}>${label(r)}</option>`)}</select></td>
          <td data-label="Status">${u.active ? 'Active' : `Deactivated ${formatDate(u.deactivatedAt, { time: false })}`}</td>
          <td data-label="Actions">${u.id === me.id ? html`<span class="muted small">—</span>` : u.active
            ? html`<button type="button" class="danger" onClick=${() => act(DEACTIVATE, { id: u.id }, `${u.displayName} is deactivated.`)}>Deactivate</button>`
            : html`<button type="button" class="secondary" onClick=${() => act(REACTIVATE, { id: u.id }, `${u.displayName} can sign in again.`)}>Reactivate</button>`}</td>
        </tr>`)}</tbody>
      </table></div>`}
    <${NewUser} onCreated=${() => { setNotice('User added.'); reload(); }} />
  </section>`;
}
