// Cluneal web app: plain ES2020 modules, no framework, no bundler, no external
// requests. Talks only to the Cluneal server's JSON API (/api/v1/...).
//
// This is the entry: it loads every screen (each adds itself to the router),
// then starts. The modules, each depending only on those above it:
//   dom.js         elements, text and number formatting
//   api.js         the API client and the clinician's token
//   knowledge.js   the knowledge base, fetched once per part; report text put back
//   problem.js     problem+json shown with the fields it names
//   vocabulary.js  labels of the report's closed sets (tests/vocabulary.rs checks them)
//   pictures.js, pdf.js, exercises.js   pieces several screens show
//   router.js      one screen per URL fragment
//   home.js, selfcheck.js, learn.js     screens
//   visits.js, diary.js, clinician-report.js, clinician.js   the clinician screen

import { $, $$ } from './dom.js';
import { kb } from './knowledge.js';
import { REGIONS } from './pictures.js';
import { route } from './router.js';
import './home.js';
import { sc } from './selfcheck.js';
import { cl } from './clinician.js';
import './diary.js';
import './learn.js';

// ---------------------------------------------------------------------------
// Print: open every collapsed section of the result while printing.

let reopened = [];
window.addEventListener('beforeprint', () => {
  reopened = $$('#result details:not([open])');
  for (const d of reopened) d.open = true;
});
window.addEventListener('afterprint', () => {
  for (const d of reopened) d.open = false;
  reopened = [];
});

// ---------------------------------------------------------------------------
// Start

async function start() {
  $('#skip-link').addEventListener('click', (e) => {
    e.preventDefault();
    const m = $('#main');
    m.focus();
    m.scrollIntoView();
  });
  window.addEventListener('hashchange', route);
  route();
  try {
    const meta = await kb();
    if (meta.disclaimer) $('#disclaimer-text').textContent = meta.disclaimer;
    $('#kb-version').textContent = `${meta.name ? `“${meta.name}” ` : ''}version ${meta.version || '?'}`;
  } catch {
    $('#kb-version').textContent = '(not reachable)';
  }
}

// Expose a little for tests and debugging.
window.cluneal = { sc, cl, REGIONS };
start();
