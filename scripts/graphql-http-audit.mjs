#!/usr/bin/env node
// GraphQL-over-HTTP conformance audit of a running server, with the audits
// that graphql-http (the reference implementation of the specification)
// ships: https://graphql.github.io/graphql-over-http/draft/
//
//   node graphql-http-audit.mjs [URL]     (default http://127.0.0.1:8080/graphql)
//
// Prints one line per audit (`ok`, `notice`, `warn` or `error`, its id, its
// name, and why it failed), then the counts. Exits 1 when any audit is an
// `error` (a MUST of the specification that the server breaks), 2 when the
// audit itself could not run (e.g. the server is unreachable).

import { auditServer } from 'graphql-http';

const url = process.argv[2] ?? 'http://127.0.0.1:8080/graphql';

// Results keep the order of the specification; the counts at the end say
// whether anything failed. Statuses are padded to line up the ids.
const WIDTH = 'notice'.length;

let results;
try {
  results = await auditServer({ url });
} catch (err) {
  console.error(`error: the audit of ${url} could not run: ${err?.cause?.message ?? err}`);
  process.exit(2);
}

const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
for (const result of results) {
  counts[result.status] += 1;
  const line = `${result.status.padEnd(WIDTH)} ${result.id} ${result.name}`;
  if (result.status === 'ok') {
    console.log(line);
    continue;
  }
  let body = '';
  try {
    body = (await result.response.text()).slice(0, 300);
  } catch {
    // The audit may have read the body already; the reason says enough.
  }
  console.log(`${line}\n${' '.repeat(WIDTH + 1)}reason: ${result.reason}` +
    (body ? `\n${' '.repeat(WIDTH + 1)}status ${result.response.status}, body: ${body}` : ''));
}

console.log(
  `\n${url}: ok ${counts.ok} / warn ${counts.warn} / error ${counts.error}` +
    ` (notice ${counts.notice}; notices are optional MAYs)`,
);
process.exit(counts.error > 0 ? 1 : 0);
