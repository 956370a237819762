// Cluneal web app: plain ES2020 modules, no framework, no external requests.
// Talks only to the Cluneal server's JSON API (/api/v1/...).

import { exercisePicture, guidePicture, createBodyMap, REGIONS } from './pictures.js';

// ---------------------------------------------------------------------------
// Small DOM helpers

const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];
const PROPS = new Set(['value', 'checked', 'disabled', 'hidden', 'open', 'selected', 'required']);

/** Create an element: h('p', {class: 'x', onclick: fn}, 'text', child, [more]) */
function h(tag, props, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v == null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k === 'style' && typeof v === 'object') Object.assign(el.style, v); // CSSOM: allowed by the CSP
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (PROPS.has(k)) el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, kids);
  return el;
}
function append(el, kids) {
  for (const k of kids.flat(Infinity)) {
    if (k == null || k === false) continue;
    el.append(k instanceof Node ? k : String(k));
  }
  return el;
}
/** Text with blank lines → paragraphs. */
function paras(text, cls) {
  return String(text || '')
    .split(/\n\s*\n/)
    .map((t) => t.trim())
    .filter(Boolean)
    .map((t) => h('p', { class: cls }, t));
}
let uidCounter = 0;
const uid = (p = 'u') => `${p}-${++uidCounter}`;
const cap = (s) => (s ? s.charAt(0).toUpperCase() + s.slice(1) : '');
const human = (id) => cap(String(id || '').replace(/_/g, ' '));

function pct(p) {
  if (p == null || Number.isNaN(p)) return '–';
  const v = p * 100;
  if (v > 0 && v < 0.1) return '<0.1%';
  if (v > 99.9 && v < 100) return '>99.9%';
  if (v < 10 || (v >= 99.5 && v < 100)) return `${v.toFixed(1)}%`;
  return `${Math.round(v)}%`;
}
function fmtNum(x, digits = 2) {
  if (x == null) return '–';
  const t = Number(x).toFixed(digits);
  return t.includes('.') ? t.replace(/\.?0+$/, '') : t;
}
function fmtDate(s) {
  if (!s) return '';
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? s : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
function clone(x) {
  return x == null ? x : JSON.parse(JSON.stringify(x));
}

// ---------------------------------------------------------------------------
// API client

const TOKEN_KEY = 'cluneal.token';
const getToken = () => {
  try { return sessionStorage.getItem(TOKEN_KEY) || ''; } catch { return ''; }
};
const setToken = (t) => {
  try { if (t) sessionStorage.setItem(TOKEN_KEY, t); else sessionStorage.removeItem(TOKEN_KEY); } catch { /* storage off */ }
};

class ApiError extends Error {
  constructor(status, problem) {
    const p = problem && typeof problem === 'object' ? problem : { title: String(problem || 'Request failed') };
    super(p.detail || p.title || `HTTP ${status}`);
    this.status = status;
    this.problem = p;
  }
}

/**
 * Call the API. `authorization` replaces the clinician's bearer token (the
 * patient diary sends its link's `Diary <token>`); a 401 then belongs to the
 * caller and does not open the clinician sign-in panel.
 */
async function api(method, path, body, { authorization } = {}) {
  const headers = { Accept: 'application/json, application/problem+json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const token = getToken();
  if (authorization) headers.Authorization = authorization;
  else if (token) headers.Authorization = `Bearer ${token}`;
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, { title: 'Cannot reach the Cluneal server', detail: 'Check that the server is running and try again.' });
  }
  if (res.status === 204) return null;
  const type = res.headers.get('content-type') || '';
  const data = type.includes('json') ? await res.json().catch(() => null) : await res.text();
  if (!res.ok) {
    if (res.status === 401 && !authorization) onUnauthorized();
    throw new ApiError(res.status, data && typeof data === 'object' ? data : { title: `Error ${res.status}`, detail: data || res.statusText });
  }
  return data;
}

/**
 * Fetch a PDF from the server and hand it to the browser as a download.
 * `body` is the case for `POST /api/v1/report.pdf`; without it, `path` is a GET.
 */
async function downloadPdf(path, body, fileName, status) {
  const headers = { Accept: 'application/pdf, application/problem+json' };
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (status) status.textContent = 'Preparing the PDF…';
  try {
    const res = await fetch(path, { method: body === undefined ? 'GET' : 'POST', headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (!res.ok) {
      const p = await res.json().catch(() => ({}));
      throw new ApiError(res.status, p);
    }
    const url = URL.createObjectURL(await res.blob());
    const a = h('a', { href: url, download: fileName, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
    if (status) status.textContent = `${fileName} is ready in your downloads.`;
  } catch (e) {
    if (status) status.textContent = `The PDF could not be made: ${e.message || e}`;
  }
}

const PDF_NAMES = { patient: 'cluneal-visit-summary.pdf', clinician: 'cluneal-clinician-report.pdf', exercises: 'cluneal-exercises.pdf' };

/** Buttons that download the case's PDFs; `source` is a saved case id or the case itself. */
function pdfButtons(audiences, { caseId, caseBody }) {
  const status = h('p', { class: 'hint pdf-status', role: 'status', 'data-testid': 'pdf-status' });
  const label = { patient: 'Visit summary (PDF)', clinician: 'Clinician report (PDF)', exercises: 'Exercise handout (PDF)' };
  return h('div', { class: 'pdf-actions no-print' },
    h('div', { class: 'actions' }, audiences.map((a) => h('button', {
      type: 'button', class: 'btn btn-secondary btn-small', id: `pdf-${a}`, 'data-testid': `pdf-${a}`,
      onclick: () => (caseId
        ? downloadPdf(`/api/v1/cases/${encodeURIComponent(caseId)}/report.pdf?audience=${a}`, undefined, PDF_NAMES[a], status)
        : downloadPdf(`/api/v1/report.pdf?audience=${a}`, caseBody, PDF_NAMES[a], status)),
    }, label[a]))),
    status);
}

// Knowledge base, fetched once per part.
const kbCache = new Map();
// Reports name findings by id; their labels come from the knowledge base.
const findingLabels = new Map();
const findingLabel = (id) => findingLabels.get(id) || human(id);
function kb(part = '') {
  if (!kbCache.has(part)) {
    const p = api('GET', `/api/v1/kb${part ? `/${part}` : ''}`);
    p.catch(() => kbCache.delete(part));
    if (part === 'findings') p.then((list) => list.forEach((f) => findingLabels.set(f.id, f.label)), () => {});
    kbCache.set(part, p);
  }
  return kbCache.get(part);
}
async function kbMap(part) {
  const list = await kb(part);
  return new Map(list.map((x) => [x.id, x]));
}

/**
 * The report names knowledge-base units by id and leaves their text out (it is
 * the same for every case). Put the text back from the knowledge-base views, so
 * the rest of the app can read e.g. `plan.exercises[i].steps` directly.
 */
async function hydrateReport(r) {
  if (!r || r.hydrated) return r;
  const [exercises, selfCare, diagnostics, steps, criteria, conditions, references] = await Promise.all(
    ['exercises', 'self_care', 'diagnostics', 'plan_steps', 'criteria', 'conditions', 'references'].map((k) => kbMap(k).catch(() => new Map())));
  await kb('findings').catch(() => []);
  for (const d of r.differential || []) {
    for (const e of [...(d.evidence_for || []), ...(d.evidence_against || [])]) e.label = e.label || findingLabel(e.finding);
  }
  for (const c of r.criteria || []) {
    const items = (criteria.get(c.id) || {}).item || [];
    (c.items || []).forEach((it, k) => { it.text = it.text || (items[k] || {}).text || ''; });
  }
  for (const w of r.workup || []) Object.assign(w, { when: (diagnostics.get(w.id) || {}).when, patient_explanation: (diagnostics.get(w.id) || {}).patient_explanation }, { ...w });
  const plan = r.plan || {};
  for (const st of plan.steps || []) {
    const k = steps.get(st.id) || {};
    Object.assign(st, { patient_summary: k.patient_summary, entry: k.entry, move_on_when: k.move_on_when }, { ...st });
  }
  const focus = conditions.get(plan.focus) || {};
  plan.management = plan.management || focus.management;
  plan.referral = plan.referral || focus.referral;
  plan.exercises = (plan.exercises || []).map((x) => ({ ...(exercises.get(x.id) || {}), ...x }));
  for (const list of ['self_care', 'long_term', 'prevention', 'seek_care']) {
    plan[list] = (plan[list] || []).map((x) => ({ ...(selfCare.get(x.id) || {}), ...x }));
  }
  r.references = (r.references || []).map((x) => ({ citation: (references.get(x.id) || {}).citation || x.id, short: shortCite(references.get(x.id), x.id), ...x }));
  r.hydrated = true;
  return r;
}

/** Show an API problem (problem+json) in a container, and mark fields by error path. */
/** "Kiral et al. 2024" from a reference's authors and year; the id when they are unknown. */
function shortCite(ref, id) {
  if (!ref || !(ref.authors || []).length) return human(id);
  const first = String(ref.authors[0]).split(/\s+/)[0];
  const more = ref.authors.length > 1 ? ' et al.' : '';
  return `${first}${more}${ref.year ? ` ${ref.year}` : ''}`;
}

/** A case path in words: `block.readings[0].pain` -> "Block 1, reading 1: pain". */
function pathWords(path) {
  const p = String(path).replace(/^\/+/, '').replace(/\//g, '.').replace(/\[(\d+)\]/g, '.$1').replace(/^case\./, '');
  const parts = p.split('.');
  const out = [];
  for (let i = 0; i < parts.length; i++) {
    const k = parts[i];
    const n = parts[i + 1];
    if (k === 'block') out.push('Block 1');
    else if (k === 'blocks' && /^\d+$/.test(n)) { out.push(`Block ${Number(n) + 2}`); i++; }
    else if (k === 'readings' && /^\d+$/.test(n)) { out.push(`reading ${Number(n) + 1}`); i++; }
    else if (k === 'treatments_tried' && /^\d+$/.test(n)) { out.push(`Treatment ${Number(n) + 1}`); i++; }
    else if (k === 'answers' && n) {
      const f = (cl.meta && cl.meta.findings || []).find((x) => x.id === n);
      out.push(f ? (f.clinician || f.label) : human(n)); i++;
    } else out.push(human(k).toLowerCase().replace(/^./, (c) => c.toUpperCase()));
  }
  return out.join(', ').replace(/, (pain|minutes|hours|pain before|response|weeks|treatment|protocol|guidance|side|agent)$/i, ': $1');
}

function showProblem(box, err, fieldFor) {
  clearProblem(box);
  const p = err instanceof ApiError ? err.problem : { title: 'Something went wrong', detail: String(err && err.message ? err.message : err) };
  const list = Array.isArray(p.errors) ? p.errors : [];
  box.hidden = false;
  append(box, [
    h('h3', {}, p.title || 'Something went wrong'),
    p.detail ? h('p', {}, p.detail) : null,
    list.length
      ? h('ul', { class: 'problem-list' }, list.map((e) => h('li', { 'data-path': e.path || '' }, e.path ? h('code', {}, pathWords(e.path)) : null, e.path ? ': ' : '', e.message || '')))
      : null,
  ]);
  if (fieldFor) {
    list.forEach((e, i) => {
      const field = e.path ? fieldFor(e.path) : null;
      if (!field) return;
      const code = $$('.problem-list li', box)[i] && $('code', $$('.problem-list li', box)[i]);
      if (code) {
        code.replaceWith(h('button', { type: 'button', class: 'linklike', title: 'Go to this field', onclick: () => {
          const det = field.closest('details');
          if (det) det.open = true;
          field.scrollIntoView({ block: 'center' });
          field.focus();
        } }, h('code', {}, pathWords(e.path))));
      }
      field.setAttribute('aria-invalid', 'true');
      const msg = h('p', { class: 'field-error', id: uid('err') }, e.message || 'Check this value.');
      const anchor = field.closest('.field, .finding-row, .reading-row, .treatment-row') || field;
      anchor.append(msg);
      field.setAttribute('aria-describedby', msg.id);
      const det = field.closest('details');
      if (det) det.open = true;
    });
  }
  box.focus({ preventScroll: false });
}
function clearProblem(box) {
  box.replaceChildren();
  box.hidden = true;
  const root = box.closest('.view-root') || document;
  for (const m of $$('.field-error', root)) m.remove();
  for (const f of $$('[aria-invalid="true"]', root)) {
    f.removeAttribute('aria-invalid');
    f.removeAttribute('aria-describedby');
  }
}

// ---------------------------------------------------------------------------
// Shared vocabulary

const URGENCY = {
  emergency: { label: 'Emergency: get help now', short: 'Emergency', rank: 0 },
  urgent: { label: 'Urgent: see a doctor today or within a day or two', short: 'Urgent', rank: 1 },
  soon: { label: 'See a doctor soon, within a week or two', short: 'Soon', rank: 2 },
  routine: { label: 'Routine: no warning signs among the answers given', short: 'Routine', rank: 3 },
};
const urgencyOf = (lvl) => URGENCY[lvl] || { label: human(lvl), short: human(lvl), rank: 9 };
const SETTING_NAMES = { primary_care: 'Primary care', spine_clinic: 'Spine clinic' };
const RESPONSES = [['good', 'Good: clearly better'], ['partial', 'Partial: somewhat better'], ['none', 'None: no change'], ['worse', 'Worse']];
// Labels for closed sets of the report. Their keys must be exactly the values
// the report schema allows (crates/cluneal-server/tests/vocabulary.rs checks).
const STATUS_NAMES = { done: 'Done', current: 'Now', upcoming: 'Later', not_indicated: 'Not needed' };
const CRITERION_MARKS = { met: ['✓', 'Met'], unmet: ['✗', 'Not met'], unknown: ['?', 'Unknown'] };
const BLOCK_RESULTS = { positive: 'Positive', inconclusive: 'Inconclusive', negative: 'Negative' };
const GRADE_NAMES = { strong: 'strong', moderate: 'moderate', weak: 'weak', contested: 'contested', expert_estimate: 'expert estimate' };

function badge(level, text) {
  return h('span', { class: `badge badge-${level}` }, text || urgencyOf(level).short);
}

function answerWord(a) {
  if (a === 'yes' || a === true) return 'yes';
  if (a === 'no' || a === false) return 'no';
  if (a === 'unknown' || a == null) return "don't know";
  return String(a);
}

function dosageText(d) {
  if (!d) return '';
  const parts = [];
  if (d.sets === 1 && d.reps === 1) parts.push('once');
  else if (d.sets && d.reps) parts.push(`${d.sets} ${d.sets === 1 ? 'set' : 'sets'} × ${d.reps} ${d.reps === 1 ? 'time' : 'times'}`);
  else if (d.reps) parts.push(`${d.reps} times`);
  if (d.hold_seconds) parts.push(`hold ${d.hold_seconds} seconds`);
  if (d.per_week) parts.push(`${d.per_week} ${d.per_week === 1 ? 'day' : 'days'} a week`);
  return parts.join(' · ');
}

/** One exercise card: picture, purpose, dosage, steps, progression, cautions. */
function exerciseCard(ex, { headingLevel = 'h4', full = false } = {}) {
  const dose = ex.dosage || { sets: ex.sets, reps: ex.reps, hold_seconds: ex.hold_seconds, per_week: ex.per_week };
  // The picture's text alternative is the knowledge base's `picture_alt`.
  const picture = exercisePicture(ex.picture, ex.name, ex.picture_alt);
  const card = h('article', { class: 'exercise', 'data-testid': 'exercise', 'data-id': ex.id },
    picture ? h('div', { class: 'exercise-pic' }, picture) : null,
    h('div', { class: 'exercise-body' },
      h(headingLevel, {}, ex.name),
      ex.purpose ? h('p', {}, ex.purpose) : null,
      h('p', { class: 'dosage', 'data-testid': 'dosage' }, h('strong', {}, 'How much: '), dosageText(dose) || 'as advised'),
    ),
  );
  const more = h('details', { class: 'exercise-more' }, h('summary', {}, `How to do the ${ex.name.toLowerCase()}`));
  if (ex.steps && ex.steps.length) more.append(h('ol', {}, ex.steps.map((s) => h('li', {}, s))));
  if (ex.progression && ex.progression.length) more.append(h('p', { class: 'sub' }, h('strong', {}, 'When it gets easy')), h('ul', {}, ex.progression.map((s) => h('li', {}, s))));
  if (full && ex.regression) more.append(h('p', { class: 'sub' }, h('strong', {}, 'If it is too hard: '), ex.regression));
  if (ex.cautions && ex.cautions.length) more.append(h('p', { class: 'sub' }, h('strong', {}, 'Take care')), h('ul', { class: 'cautions' }, ex.cautions.map((s) => h('li', {}, s))));
  card.append(more);
  return card;
}

// ---------------------------------------------------------------------------
// Router

const routes = {};
let firstRoute = true;
const TITLES = { home: 'Home', selfcheck: 'Self-check', clinician: 'Clinician', learn: 'Learn', diary: 'My pain diary' };

function parseHash() {
  const parts = location.hash.replace(/^#\/?/, '').split('/');
  return { name: parts[0] || 'home', arg: parts.slice(1).join('/') || '' };
}

async function route() {
  const { name, arg } = parseHash();
  const key = routes[name] ? name : 'notfound';
  for (const a of $$('#site-nav a')) {
    if (a.dataset.route === key) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  document.title = `${TITLES[key] || 'Not found'} · Cluneal`;
  const view = $('#view');
  view.replaceChildren();
  try {
    await routes[key](view, arg);
  } catch (e) {
    view.append(h('div', { class: 'problem', role: 'alert' }, h('h2', {}, 'This page could not be loaded'), h('p', {}, e.message || String(e))));
  }
  if (!firstRoute && !arg) {
    const h1 = $('h1', view);
    if (h1) { h1.setAttribute('tabindex', '-1'); h1.focus(); }
    window.scrollTo(0, 0);
  }
  firstRoute = false;
}

routes.notfound = (view) => {
  view.append(h('h1', {}, 'Page not found'), h('p', {}, 'This page does not exist. ', h('a', { href: '#/' }, 'Go to the home page'), '.'));
};

// ---------------------------------------------------------------------------
// Home

routes.home = async (view) => {
  const root = h('div', { class: 'view-root home' });
  view.append(root);
  root.append(
    h('h1', {}, 'Help with low back and buttock pain'),
    h('p', { class: 'lead' },
      'Cluneal helps you and your clinician think about superior cluneal nerve entrapment (SCNE): a small skin nerve trapped where it crosses the back of the hip bone. ',
      'It is often missed, because it looks like other causes of back pain. Cluneal also checks for warning signs of serious problems first.'),
    h('div', { class: 'cards' },
      h('section', { class: 'card', 'aria-labelledby': 'home-sc-h' },
        h('h2', { id: 'home-sc-h' }, 'Check your symptoms'),
        h('p', {}, 'Answer short questions, one at a time, and mark where it hurts. You get a summary you can print and take to your clinician. Nothing is stored.'),
        h('a', { class: 'btn', href: '#/selfcheck', id: 'home-selfcheck' }, 'Go to the self-check')),
      h('section', { class: 'card', 'aria-labelledby': 'home-cl-h' },
        h('h2', { id: 'home-cl-h' }, 'For clinicians'),
        h('p', {}, 'Enter a full case with examination and nerve-block results. See the differential with its evidence, the SCNE criteria, the work-up and a stepped plan.'),
        h('a', { class: 'btn btn-secondary', href: '#/clinician', id: 'home-clinician' }, 'Open the clinician tool')),
      h('section', { class: 'card', 'aria-labelledby': 'home-learn-h' },
        h('h2', { id: 'home-learn-h' }, 'Learn'),
        h('p', {}, 'What SCNE is, how it is found and treated, exercises with pictures, and the signs that need urgent care.'),
        h('a', { class: 'btn btn-secondary', href: '#/learn', id: 'home-learn' }, 'Read and learn')),
    ),
  );
  const help = h('section', { class: 'help-now', id: 'home-emergency', 'aria-labelledby': 'home-em-h' },
    h('h2', { id: 'home-em-h' }, 'When to get help straight away'));
  root.append(help);
  try {
    const items = await kb('self_care');
    const em = items.find((x) => x.id === 'seek_care_emergency') || items.find((x) => x.kind === 'seek_care' && x.urgency === 'emergency');
    if (em) {
      help.append(...paras(em.text).slice(-1));
      if (em.steps && em.steps.length) help.append(h('ul', {}, em.steps.map((s) => h('li', {}, s))));
    }
  } catch {
    help.append(h('p', {}, 'Go to an emergency department now if you have new numbness between your legs, new trouble passing urine or controlling your bladder or bowels, or new weakness in both legs.'));
  }
};

// ---------------------------------------------------------------------------
// Patient self-check

const SC_KEY = 'cluneal.selfcheck';
const sc = {
  phase: 'intro', // intro | about | map | ask | result
  case: null,
  asked: 0,
  step: null, // last interview/next response
  triage: null,
  regions: [],
  history: [],
  qtext: {}, // finding id -> question text shown
  report: null,
  busy: false,
  count: 0,
};
function scReset({ forget = true } = {}) {
  Object.assign(sc, {
    phase: 'intro', case: { respondent: 'patient', answers: {} }, asked: 0, step: null, triage: null,
    regions: [], history: [], qtext: {}, report: null, busy: false, count: 0,
  });
  if (forget) scForget();
}
scReset({ forget: false });

// The answers so far survive a reload of the tab (sessionStorage, this tab
// only); they are forgotten when the summary is shown or the check restarts.
function scSave() {
  try {
    if (sc.phase === 'intro' || sc.phase === 'result') { sessionStorage.removeItem(SC_KEY); return; }
    sessionStorage.setItem(SC_KEY, JSON.stringify({
      phase: sc.phase, case: sc.case, asked: sc.asked, step: sc.step, triage: sc.triage,
      regions: sc.regions, history: sc.history, qtext: sc.qtext, count: sc.count,
    }));
  } catch { /* storage off or full: the check still works */ }
}
function scForget() {
  try { sessionStorage.removeItem(SC_KEY); } catch { /* storage off */ }
}
function scRestore() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(SC_KEY) || 'null');
    if (saved && saved.case && ['about', 'map', 'ask'].includes(saved.phase)) Object.assign(sc, saved);
  } catch { /* nothing saved, or unreadable: start afresh */ }
}
scRestore();

// Each step is a browser history entry, so the Back button steps back within
// the check. The entry's state holds how many steps lie behind it.
function scSnapshot() {
  sc.history.push(clone({ phase: sc.phase, case: sc.case, asked: sc.asked, step: sc.step, triage: sc.triage, regions: sc.regions, count: sc.count }));
  try { history.pushState({ scDepth: sc.history.length }, '', '#/selfcheck'); } catch { /* history unavailable */ }
}
function scStepBackTo(depth) {
  if (sc.busy || sc.history.length <= depth) return false;
  while (sc.history.length > depth + 1) sc.history.pop();
  const later = clone({ case: sc.case, regions: sc.regions });
  Object.assign(sc, sc.history.pop());
  // Show the answers already given on the step returned to (submitting it again
  // reads them from the form).
  if (sc.phase === 'ask' && sc.step) {
    for (const q of sc.step.questions || []) {
      if (later.case.answers[q.finding] !== undefined) sc.case.answers[q.finding] = later.case.answers[q.finding];
    }
  } else if (sc.phase === 'map') {
    sc.regions = later.regions;
  } else if (sc.phase === 'about') {
    for (const k of ['age', 'sex', 'duration_weeks']) if (later.case[k] !== undefined) sc.case[k] = later.case[k];
  }
  renderSelfCheckInto($('#view'));
  focusPhase();
  return true;
}
/** The in-page Back button goes through the browser history, like the browser's own. */
function scBack() {
  if (history.state && history.state.scDepth === sc.history.length) history.back();
  else scStepBackTo(sc.history.length - 1);
}
window.addEventListener('popstate', (e) => {
  if (parseHash().name !== 'selfcheck' || !$('#selfcheck')) return;
  scStepBackTo((e.state && e.state.scDepth) || 0);
});

routes.selfcheck = async (view) => {
  renderSelfCheckInto(view);
};

function renderSelfCheckInto(view) {
  scSave();
  view.replaceChildren();
  const root = h('div', { class: 'view-root selfcheck', id: 'selfcheck' });
  view.append(root);
  root.append(h('h1', { class: sc.phase === 'result' ? 'no-print' : '' }, 'Self-check'));
  if (sc.triage && sc.triage.level === 'emergency') root.append(emergencyAlert(sc.triage));
  const errors = h('div', { class: 'problem', id: 'selfcheck-errors', role: 'alert', tabindex: '-1', hidden: true });
  root.append(errors);
  const body = h('div', { class: 'phase', id: `phase-${sc.phase}` });
  root.append(body);
  try {
    const done = ({ intro: scIntro, about: scAbout, map: scMap, ask: scAsk, result: scResult })[sc.phase](body, errors);
    if (done && done.catch) return done.catch((e) => showProblem(errors, e));
  } catch (e) {
    showProblem(errors, e);
  }
  return Promise.resolve();
}

function emergencyAlert(triage) {
  const actions = [];
  for (const f of triage.red_flags || []) {
    if (f.urgency === 'emergency' && f.patient_action && f.patient_action !== triage.message && !actions.includes(f.patient_action)) actions.push(f.patient_action);
  }
  return h('section', { id: 'emergency-alert', class: 'emergency-alert', role: 'alert', tabindex: '-1', 'aria-labelledby': 'emergency-title', 'data-testid': 'emergency-alert' },
    h('h2', { id: 'emergency-title' }, 'Get emergency help now'),
    h('p', { class: 'lead' }, triage.message),
    actions.length ? h('ul', {}, actions.map((a) => h('li', {}, a))) : null,
    h('p', {}, 'Please do not wait for the rest of this check. Your answers point to a problem that must be seen in hospital today.'),
    sc.phase !== 'result'
      ? h('p', { class: 'no-print' }, h('button', { type: 'button', class: 'btn btn-light', id: 'alert-finish', onclick: scFinish }, 'Show my summary now'))
      : null,
  );
}

function scIntro(body) {
  body.append(
    h('p', { class: 'lead' }, 'This check asks about your back, buttock and leg pain, one short question at a time. It starts with signs that need urgent care.'),
    h('ul', { class: 'plain-list' },
      h('li', {}, 'It takes about 5 to 10 minutes.'),
      h('li', {}, 'You can answer “Don’t know” to any question, and stop at any time with “Finish now”.'),
      h('li', {}, 'At the end you get a summary to print and show your clinician.'),
      h('li', {}, 'Nothing you enter is stored.')),
    h('p', { class: 'note' }, h('strong', {}, 'This is not a diagnosis. '), 'It helps you prepare for a visit; it does not replace one.'),
    h('p', {}, h('button', { type: 'button', class: 'btn btn-big', id: 'start-selfcheck', 'data-testid': 'start-selfcheck', onclick: () => {
      scReset();
      sc.phase = 'about';
      renderSelfCheckInto($('#view'));
      focusPhase();
    } }, 'Start the self-check')),
  );
}

function focusPhase() {
  const t = $('#view .phase h2');
  if (t) { t.setAttribute('tabindex', '-1'); t.focus(); }
}

function navButtons({ back = true, next = 'Next', finish = true, testid }) {
  return h('div', { class: 'actions' },
    back && sc.history.length ? h('button', { type: 'button', class: 'btn btn-secondary', id: 'back-button', onclick: scBack }, 'Back') : null,
    h('button', { type: 'submit', class: 'btn', id: 'next-button', 'data-testid': testid }, next),
    finish ? h('button', { type: 'button', class: 'btn btn-ghost', id: 'finish-button', 'data-testid': 'finish-button', onclick: scFinish }, 'Finish now') : null,
  );
}

function scAbout(body, errors) {
  const c = sc.case;
  const sexes = [['female', 'Female'], ['male', 'Male'], ['other', 'Other'], ['', 'I would rather not say']];
  const form = h('form', { id: 'about-form', class: 'card', novalidate: true, 'aria-labelledby': 'about-title' },
    h('h2', { id: 'about-title' }, 'About you'),
    h('p', {}, 'These help weigh up the possible causes. Leave a box empty if you prefer.'),
    h('div', { class: 'field' },
      h('label', { for: 'age' }, 'Your age in years'),
      h('input', { type: 'number', id: 'age', name: 'age', min: '0', max: '120', step: '1', inputmode: 'numeric', autocomplete: 'off', value: c.age ?? '' })),
    h('fieldset', { class: 'field' },
      h('legend', {}, 'Your sex'),
      h('div', { class: 'radio-row' }, sexes.map(([v, label]) => h('label', { class: 'radio' },
        h('input', { type: 'radio', name: 'sex', id: `sex-${v || 'unsaid'}`, value: v, checked: (c.sex || '') === v }), ' ', label)))),
    h('div', { class: 'field' },
      h('label', { for: 'duration-weeks' }, 'How many weeks have you had this pain?'),
      h('p', { class: 'hint', id: 'duration-hint' }, 'A rough number is fine. 1 month is about 4 weeks; 1 year is 52 weeks.'),
      h('input', { type: 'number', id: 'duration-weeks', name: 'duration_weeks', min: '0', max: '5200', step: 'any', inputmode: 'decimal', 'aria-describedby': 'duration-hint', value: c.duration_weeks ?? '' })),
    navButtons({ testid: 'about-next', finish: false }),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearProblem(errors);
    const age = $('#age').value.trim();
    const weeks = $('#duration-weeks').value.trim();
    const problems = [];
    if (age !== '' && !(Number(age) >= 0 && Number(age) <= 120)) problems.push({ path: 'age', message: 'Please give an age from 0 to 120, or leave it empty.' });
    if (weeks !== '' && !(Number(weeks) >= 0 && Number(weeks) <= 5200)) problems.push({ path: 'duration_weeks', message: 'Please give a number of weeks (0 or more), or leave it empty.' });
    if (problems.length) {
      showProblem(errors, new ApiError(422, { title: 'Please check your answers', errors: problems }), (p) => (p === 'age' ? $('#age') : $('#duration-weeks')));
      return;
    }
    scSnapshot();
    if (age !== '') c.age = Number(age); else delete c.age;
    if (weeks !== '') c.duration_weeks = Number(weeks); else delete c.duration_weeks;
    const sex = (form.querySelector('input[name="sex"]:checked') || {}).value;
    if (sex) c.sex = sex; else delete c.sex;
    sc.phase = 'map';
    renderSelfCheckInto($('#view'));
    focusPhase();
  });
  body.append(form);
}

function scMap(body, errors) {
  const form = h('form', { id: 'bodymap-form', class: 'card', novalidate: true, 'aria-labelledby': 'map-title' });
  const summary = h('p', { id: 'bodymap-selected', class: 'selected-list', 'aria-live': 'polite' });
  const map = createBodyMap((l) => showSel(l));
  let showSel = (l) => {
    if (!l.length) { summary.textContent = 'No area chosen yet.'; return; }
    summary.textContent = `Chosen: ${l.map((x) => `${map.names[x.region].toLowerCase()} (${x.side})`).join(', ')}.`;
  };
  // The same choices as a list: every target at least 44 px high on a phone,
  // where some shapes on the map are narrower.
  const boxes = [];
  const list = h('fieldset', { class: 'bodymap-list', id: 'bodymap-list' },
    h('legend', {}, 'Or choose from this list'),
    h('div', { class: 'bodymap-list-items' }, REGIONS.flatMap((r) => ['left', 'right'].map((side) => {
      const box = h('input', { type: 'checkbox', id: `list-${r.region}-${side}`, 'data-region': r.region, 'data-side': side,
        onchange: () => { map.setSelected(boxes.filter((b) => b.checked).map((b) => ({ region: b.dataset.region, side: b.dataset.side }))); showSel(map.selected()); } });
      boxes.push(box);
      return h('label', { class: 'check', for: box.id }, box, h('span', {}, `${r.name}, ${side} side`));
    }))));
  const syncList = (chosen) => {
    for (const b of boxes) b.checked = chosen.some((c) => c.region === b.dataset.region && c.side === b.dataset.side);
  };
  const showSelMap = showSel;
  showSel = (l) => { syncList(l); showSelMap(l); };
  map.setSelected(sc.regions);
  showSel(sc.regions);
  form.append(
    h('h2', { id: 'map-title' }, 'Where does it hurt?'),
    h('p', {}, 'Tap or click every area where you feel pain. Tap again to undo. With a keyboard, use Tab to move and Space to choose.'),
    map.element,
    summary,
    list,
    h('p', { class: 'hint' }, 'If you choose nothing, we will ask about each area with questions instead.'),
    h('p', {}, h('button', { type: 'button', class: 'btn btn-ghost btn-small', id: 'bodymap-clear', onclick: () => { map.clear(); showSel([]); } }, 'Clear the map')),
    navButtons({ testid: 'bodymap-next', finish: false }),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const chosen = map.selected();
    scSnapshot();
    sc.regions = chosen;
    try {
      if (chosen.length) {
        const findings = await kb('findings');
        const picked = new Set(chosen.map((s) => s.region));
        const onMap = new Set(REGIONS.map((r) => r.region));
        for (const f of findings) {
          // The map can only say "no" for the regions it shows; other sites are asked.
          if (!onMap.has(f.body_region) || f.derived != null) continue;
          if (f.asked_by && f.asked_by !== 'patient') continue;
          sc.case.answers[f.id] = picked.has(f.body_region) ? 'yes' : 'no';
          sc.qtext[f.id] = f.question || f.label;
        }
        const sides = new Set(chosen.map((s) => s.side));
        sc.case.sides = sides.size === 2 ? 'both' : [...sides][0];
      }
      await scNext(errors);
    } catch (err) {
      sc.history.pop();
      showProblem(errors, err);
    }
  });
  body.append(form);
}

/** Ask the server for the next step; show the emergency alert at once if needed. */
async function scNext(errors) {
  if (sc.busy) return;
  sc.busy = true;
  setBusy(true);
  let step;
  try {
    step = await api('POST', '/api/v1/interview/next', { case: sc.case, asked: sc.asked });
  } finally {
    sc.busy = false;
    setBusy(false);
  }
  const wasEmergency = sc.triage && sc.triage.level === 'emergency';
  sc.triage = step.triage || sc.triage;
  const isEmergency = sc.triage && sc.triage.level === 'emergency';
  if (isEmergency && !wasEmergency) showEmergencyNow(sc.triage);
  if (step.step === 'done' || !step.questions || !step.questions.length) {
    await scFinish(true);
    return;
  }
  sc.step = step;
  sc.phase = 'ask';
  renderSelfCheckInto($('#view'));
  if (isEmergency && !wasEmergency) {
    const a = $('#emergency-alert');
    window.scrollTo(0, 0);
    if (a) a.focus();
  } else {
    focusPhase();
  }
  void errors;
}

/** Put the emergency alert at the top of the self-check at once, before anything else happens. */
function showEmergencyNow(triage) {
  const root = $('#selfcheck');
  if (!root) return;
  const old = $('#emergency-alert', root);
  const alert = emergencyAlert(triage);
  if (old) old.replaceWith(alert);
  else root.insertBefore(alert, root.children[1] || null);
  window.scrollTo(0, 0);
  alert.focus();
}

function setBusy(on) {
  for (const b of $$('#view button')) b.disabled = on;
  const v = $('#view');
  if (v) v.setAttribute('aria-busy', on ? 'true' : 'false');
}

function scAsk(body, errors) {
  const step = sc.step;
  const form = h('form', { id: 'question-form', class: 'card', novalidate: true, 'data-testid': 'question-step', 'data-group': step.group || '' });
  sc.count = sc.count || 0;
  form.append(h('h2', { id: 'question-count', class: 'step-count' }, `Question ${sc.count + 1}`));
  // Every question offers yes / no / don't know, in a group too: an unanswered
  // question stays unknown, never "no".
  const qs = step.questions;
  if (step.multi_select) {
    form.append(h('div', { class: 'question-group', role: 'group', 'aria-labelledby': 'question-prompt' },
      h('p', { class: 'prompt', id: 'question-prompt' }, step.prompt || 'Please answer each question.'),
      qs.map((q) => singleQuestion(q))));
  } else {
    if (step.prompt) form.append(h('p', { class: 'group-prompt' }, step.prompt));
    // A group can bring a picture (e.g. where to press on the hip rim); its
    // words come from the knowledge base with it.
    const guide = h('figure', { class: 'guide', id: 'guide', hidden: true, 'data-testid': 'guide' });
    form.append(guide);
    if (step.group) {
      kbMap('groups').then((groups) => {
        const g = groups.get(step.group);
        const pic = g && g.picture ? guidePicture(g.picture, g.picture_alt || '') : null;
        if (pic) { guide.append(pic); guide.hidden = false; }
      }, () => { /* no picture: the words above still guide */ });
    }
    for (const q of qs) form.append(singleQuestion(q));
  }
  form.append(h('p', { class: 'hint' }, 'If you skip a question, we count it as “Don’t know”.'));
  form.append(navButtons({ testid: 'question-next' }));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearProblem(errors);
    const answers = {};
    const problems = [];
    for (const q of qs) {
      const r = readSingle(q);
      if (r.error) problems.push({ path: `answers.${q.finding}`, message: r.error });
      else answers[q.finding] = r.value;
    }
    if (problems.length) {
      showProblem(errors, new ApiError(422, { title: 'Please check your answer', errors: problems }), (p) => $(`#q-${CSS.escape(p.replace(/^answers\./, ''))}`));
      return;
    }
    scSnapshot();
    for (const q of step.questions) sc.qtext[q.finding] = q.question;
    Object.assign(sc.case.answers, answers);
    if (!step.multi_select) sc.asked += step.questions.length;
    sc.count += 1;
    try {
      await scNext(errors);
    } catch (err) {
      const prev = sc.history.pop();
      if (prev) Object.assign(sc, prev);
      showProblem(errors, err);
    }
  });
  body.append(form);
}

function singleQuestion(q) {
  const id = `q-${q.finding}`;
  const current = sc.case.answers[q.finding];
  if (q.answer_type === 'scale' || q.answer_type === 'number') {
    const min = q.min ?? (q.answer_type === 'scale' ? 0 : undefined);
    const max = q.max ?? (q.answer_type === 'scale' ? 10 : undefined);
    const hint = q.answer_type === 'scale' ? '0 means no pain at all, 10 the worst pain you can imagine.' : (min != null && max != null ? `A number from ${min} to ${max}.` : 'A number.');
    return h('div', { class: 'field single', 'data-testid': `question-${q.finding}` },
      h('label', { for: id, class: 'question-text' }, q.question),
      h('p', { class: 'hint', id: `${id}-hint` }, hint, ' Leave it empty if you don’t know.'),
      h('input', { type: 'number', id, 'data-finding': q.finding, min: min ?? null, max: max ?? null, step: q.answer_type === 'scale' ? '1' : 'any', inputmode: 'decimal', 'aria-describedby': `${id}-hint`, value: typeof current === 'number' ? current : '' }));
  }
  const opts = q.answer_type === 'choice' && q.options && q.options.length
    ? q.options.map((o) => [o, human(o)])
    : [['yes', 'Yes'], ['no', 'No']];
  opts.push(['unknown', 'Don’t know']);
  return h('fieldset', { class: 'field single', id, 'data-testid': `question-${q.finding}` },
    h('legend', { class: 'question-text' }, q.question),
    h('div', { class: 'radio-row' }, opts.map(([v, label]) => h('label', { class: 'radio' },
      h('input', { type: 'radio', name: id, id: `${id}-${v}`, value: v, checked: current === v }), ' ', label))));
}

function readSingle(q) {
  const id = `q-${q.finding}`;
  if (q.answer_type === 'scale' || q.answer_type === 'number') {
    const raw = $(`#${CSS.escape(id)}`).value.trim();
    if (raw === '') return { value: 'unknown' };
    const v = Number(raw);
    const min = q.min ?? (q.answer_type === 'scale' ? 0 : -Infinity);
    const max = q.max ?? (q.answer_type === 'scale' ? 10 : Infinity);
    if (!Number.isFinite(v) || v < min || v > max) return { error: `Please give a number from ${min} to ${max}, or leave it empty.` };
    return { value: v };
  }
  const picked = $(`input[name="${CSS.escape(id)}"]:checked`);
  return { value: picked ? picked.value : 'unknown' };
}

async function scFinish(fromDone) {
  const errors = $('#selfcheck-errors');
  if (sc.busy) return;
  sc.busy = true;
  setBusy(true);
  try {
    const report = await hydrateReport(await api('POST', '/api/v1/assess', sc.case));
    if (sc.phase !== 'result' && fromDone !== true) scSnapshot();
    sc.report = report;
    sc.triage = report.triage;
    sc.phase = 'result';
  } catch (err) {
    sc.busy = false;
    setBusy(false);
    if (errors) showProblem(errors, err);
    return;
  }
  sc.busy = false;
  setBusy(false);
  // The result is built asynchronously: move focus once its heading exists.
  await renderSelfCheckInto($('#view'));
  window.scrollTo(0, 0);
  const t = sc.triage.level === 'emergency' ? $('#emergency-alert') : $('#result-title');
  if (t) t.focus();
}

// Case fields (not findings) that a warning sign can depend on.
const CASE_FIELD_QUESTIONS = {
  age: 'How old are you?',
  duration_weeks: 'How long have you had this pain?',
  sex: 'What is your sex?',
  sides: 'Which side is the pain on?',
};

/**
 * A finding in the patient's own words: the question they answered, or for a fact
 * worked out from their answers (e.g. age over 50) its short label.
 */
function patientWords(id) {
  const f = (sc.findingsById && sc.findingsById.get(id)) || {};
  if (f.derived == null && (sc.qtext[id] || f.question)) return sc.qtext[id] || f.question;
  return f.label || human(id);
}

/** The warning-sign check is incomplete: say so, and list the questions to ask a clinician. */
function screenIncomplete(triage, findings) {
  const byId = new Map(findings.map((f) => [f.id, f]));
  const asks = (triage.unanswered || []).map((id) => CASE_FIELD_QUESTIONS[id] || (byId.get(id) || {}).question || human(id));
  return h('div', { class: 'screen-incomplete', id: 'screen-incomplete', 'data-testid': 'screen-incomplete' },
    h('p', {}, h('strong', {}, 'The check for warning signs is not complete. '),
      'You did not answer these questions, or answered “Don’t know”, so a serious cause cannot be ruled out yet. Please ask a doctor or nurse about them:'),
    h('ul', { id: 'unanswered-list' }, asks.map((q, k) => h('li', { 'data-id': triage.unanswered[k] }, q))));
}

async function scResult(body) {
  const r = sc.report;
  const [conditions, findings, selfCare] = await Promise.all([
    kbMap('conditions').catch(() => new Map()),
    kb('findings').catch(() => []),
    kbMap('self_care').catch(() => new Map()),
  ]);
  sc.findingsById = new Map(findings.map((f) => [f.id, f]));
  const res = h('section', { id: 'result', class: 'result patient-result', 'aria-labelledby': 'result-title', 'data-testid': 'result' });
  body.append(res);
  res.append(
    h('div', { class: 'print-only print-head' },
      h('p', {}, h('strong', {}, 'Cluneal self-check summary'), ` · ${new Date().toLocaleDateString()} · knowledge base ${r.kb_version || ''}`),
      h('p', {}, 'Filled in by the patient before a visit, for discussion with a clinician.')),
    h('h2', { id: 'result-title', tabindex: '-1' }, 'Your summary'),
    h('p', { class: 'note' }, h('strong', {}, r.disclaimer || ''), ' Please take this summary to a doctor or physiotherapist.'),
    pdfButtons(['patient', 'exercises'], { caseBody: clone(sc.case) }),
    h('div', { class: 'actions no-print' },
      h('button', { type: 'button', class: 'btn', id: 'print-button', 'data-testid': 'print-button', onclick: () => window.print() }, 'Print this page'),
      sc.history.length ? h('button', { type: 'button', class: 'btn btn-secondary', id: 'back-button', onclick: scBack }, 'Change my answers') : null,
      h('button', { type: 'button', class: 'btn btn-ghost', id: 'restart-selfcheck', onclick: () => { scReset(); renderSelfCheckInto($('#view')); focusPhase(); } }, 'Start again')),
  );

  // 1. How urgent. In an emergency the alert above the summary says it alone.
  const lvl = r.triage.level;
  const emergency = lvl === 'emergency';
  const urg = h('section', { id: 'urgency', class: `urgency urgency-${lvl}`, 'data-level': lvl, 'data-testid': 'urgency', 'aria-labelledby': 'urgency-h' },
    h('h3', { id: 'urgency-h' }, 'How urgent is it?'),
    h('p', { class: 'urgency-label' }, badge(lvl), ' ', h('strong', {}, urgencyOf(lvl).label)),
    h('p', {}, r.triage.message));
  const seen = new Set([r.triage.message]);
  const flags = (r.triage.red_flags || []).filter((f) => f.patient_action && !seen.has(f.patient_action) && seen.add(f.patient_action));
  if (flags.length) {
    urg.append(h('ul', { class: 'flags' }, flags.map((f) => h('li', {}, badge(f.urgency), ' ', f.patient_action))));
  }
  if (!r.triage.screen_complete && !emergency) urg.append(screenIncomplete(r.triage, findings));
  if (!emergency) res.append(urg);

  // 2. What it might be, and why. In an emergency the serious conditions the
  // warning signs point to come first, and nothing milder stands above them.
  const flagged = new Set((r.must_not_miss || []).filter((m) => m.red_flags && m.red_flags.length).map((m) => m.condition));
  const ranked = r.differential || [];
  const top = emergency
    ? [...ranked.filter((d) => flagged.has(d.condition) || d.serious), ...ranked.filter((d) => !(flagged.has(d.condition) || d.serious))].slice(0, 3)
    : ranked.slice(0, 3);
  const diff = h('section', { id: 'differential', class: 'differential', 'data-testid': 'differential', 'aria-labelledby': 'diff-h' },
    h('h3', { id: 'diff-h' }, 'What it might be'),
    h('p', { class: 'hint' }, emergency
      ? 'Your answers include a warning sign. The serious problems it can point to come first: they must be checked in hospital before anything else.'
      : 'These are the three possibilities that fit your answers best. They are not a diagnosis: a clinician needs to examine you.'),
    h('p', { class: 'hint', id: 'percent-explained' },
      'What the percentages mean: each is a rough chance, worked out from your answers alone, that this condition is part of your pain. ',
      'Each condition is worked out on its own, and more than one can be true at once, so they do not add up to 100%. ',
      'They can change a lot once a clinician has examined you.'));
  const ol = h('ol', { class: 'condition-list' });
  for (const d of top) {
    const c = conditions.get(d.condition) || {};
    // The engine names the band from the knowledge base's thresholds (kb.toml).
    const word = { fits_well: 'Fits well', possible: 'Possible', less_likely: 'Less likely' }[d.band] || 'Less likely';
    const ev = d.evidence_for || [];
    const excl = ev.filter((e) => e.origin === 'exclusion').slice(0, 3).map((e) => String((conditions.get(e.finding) || {}).name || findingLabel(e.finding)).replace(/\s*\(.*\)\s*$/, '').toLowerCase());
    // Only what the patient said yes to (or a fact such as their age), in their own words.
    const why = ev.filter((e) => e.origin !== 'exclusion' && (e.answer === 'yes' || e.answer === true)).slice(0, 6);
    ol.append(h('li', { class: 'condition', 'data-condition': d.condition, 'data-serious': d.serious ? 'true' : 'false', 'data-testid': 'condition' },
      h('h4', {}, d.name || c.name || human(d.condition), c.short_name && !String(d.name || c.name || '').toLowerCase().includes(c.short_name.toLowerCase()) ? ` (${c.short_name})` : ''),
      h('div', { class: 'prob' }, h('span', { class: 'bar', 'aria-hidden': 'true' }, h('span', { style: { width: `${Math.max(2, Math.round(d.probability * 100))}%` } })),
        h('span', { class: 'prob-text' }, `${word}: ${pct(d.probability)}`)),
      c.patient_description ? h('p', {}, c.patient_description) : null,
      d.serious ? h('p', { class: 'serious-note' }, emergency ? 'This is a serious condition. Follow the emergency advice at the top of this page.' : 'This is a serious condition. Follow the advice under “How urgent is it?”.') : null,
      why.length || excl.length ? h('div', { class: 'why' }, h('p', {}, h('strong', {}, why.length ? 'Why it came up: you said yes to' : 'Why it came up:')),
        h('ul', {},
          why.map((e) => h('li', { 'data-finding': e.finding }, patientWords(e.finding))),
          excl.length ? h('li', {}, `No other cause stands out: ${excl.join(', ')} and others look less likely.`) : null)) : null));
  }
  diff.append(ol);
  res.append(diff);

  // 2b. Conditions the knowledge base says to raise whenever their telltale
  // sign is present, whatever their rank (SCNE with pain over the hip rim).
  const ask = r.ask_about || [];
  if (ask.length && !emergency) {
    res.append(h('section', { id: 'ask-about', class: 'ask-about', 'data-testid': 'ask-about', 'aria-labelledby': 'ask-h' },
      h('h3', { id: 'ask-h' }, 'Worth asking your clinician about'),
      h('ul', {}, ask.map((a) => {
        const c = conditions.get(a.condition) || {};
        return h('li', { 'data-condition': a.condition },
          h('p', {}, h('strong', {}, a.name || c.name || human(a.condition))),
          c.patient_description ? h('p', {}, c.patient_description) : null,
          h('p', {}, 'It came up because you said yes to: ', a.findings.map((f) => patientWords(f)).join('; ')));
      }))));
  }

  // 3. What to do next
  const plan = r.plan || {};
  const next = h('section', { id: 'next-steps', 'aria-labelledby': 'next-h' }, h('h3', { id: 'next-h' }, 'What to do next'));
  if (plan.summary) next.append(h('p', { id: 'plan-summary', class: 'lead' }, plan.summary));
  const wu = (r.workup || []).filter((w) => w.patient_explanation).slice(0, 4);
  if (wu.length) {
    next.append(h('p', {}, h('strong', {}, 'What your clinician may check:')),
      h('ul', { class: 'workup' }, wu.map((w) => h('li', { 'data-id': w.id }, w.patient_explanation))));
  }
  res.append(next);

  // 4. Exercises
  const exs = plan.exercises || [];
  const exSec = h('section', { id: 'exercises', 'aria-labelledby': 'ex-h', 'data-testid': 'exercises' }, h('h3', { id: 'ex-h' }, 'Exercises'));
  if (exs.length) {
    exSec.append(h('p', { class: 'hint' }, 'Gentle exercises that suit your answers. Start slowly, and stop any exercise that brings on your usual pain. A physiotherapist can check how you do them.'),
      h('div', { class: 'exercise-list' }, exs.map((e) => exerciseCard(e))));
  }
  const withheld = plan.exercises_withheld || [];
  if (withheld.length) {
    const reasons = [...new Set(withheld.map((w) => w.reason))];
    exSec.append(h('div', { class: 'withheld', id: 'exercises-withheld' },
      h('p', {}, h('strong', {}, exs.length ? 'Not suggested for you for now:' : 'Exercises are on hold.')),
      reasons.length === 1 && !exs.length
        ? h('p', {}, reasons[0])
        : h('ul', {}, withheld.map((w) => h('li', {}, h('strong', {}, w.name), ': ', w.reason)))));
  }
  res.append(exSec);

  // 5. Self-care, long-term care, prevention
  const care = [...(plan.self_care || []), ...(plan.long_term || []), ...(plan.prevention || [])];
  if (care.length && !emergency) {
    res.append(h('section', { id: 'self-care', 'aria-labelledby': 'care-h', 'data-testid': 'self-care' },
      h('h3', { id: 'care-h' }, 'Looking after yourself'),
      care.map((s) => h('details', { class: 'care-item' }, h('summary', {}, s.name), paras(s.text)))));
  }

  // 6. When to get help
  const seek = [...(plan.seek_care || [])].sort((a, b) => urgencyOf(a.urgency).rank - urgencyOf(b.urgency).rank);
  if (seek.length) {
    res.append(h('section', { id: 'seek-care', 'aria-labelledby': 'seek-h', 'data-testid': 'seek-care' },
      h('h3', { id: 'seek-h' }, 'When to get help'),
      seek.map((s) => {
        const full = selfCare.get(s.id);
        return h('div', { class: `seek seek-${s.urgency || 'routine'}` },
          h('h4', {}, s.urgency ? badge(s.urgency) : null, ' ', s.name),
          paras(s.text),
          full && full.steps && full.steps.length ? h('ul', {}, full.steps.map((x) => h('li', {}, x))) : null);
      })));
  }

  // 7. The answers, for the clinician
  const byId = new Map(findings.map((f) => [f.id, f]));
  const rows = Object.entries(sc.case.answers).map(([id, a]) => [sc.qtext[id] || (byId.get(id) || {}).question || human(id), a]);
  const facts = [];
  if (sc.case.age != null) facts.push(`Age: ${sc.case.age}`);
  if (sc.case.sex) facts.push(`Sex: ${sc.case.sex}`);
  if (sc.case.duration_weeks != null) facts.push(`Pain for: ${sc.case.duration_weeks} weeks`);
  if (sc.case.sides) facts.push(`Side: ${sc.case.sides}`);
  if (sc.regions.length) facts.push(`Painful areas: ${sc.regions.map((s) => `${s.region.replace(/_/g, ' ')} (${s.side})`).join(', ')}`);
  const yes = rows.filter(([, a]) => a === 'yes' || typeof a === 'number');
  const other = rows.filter(([, a]) => !(a === 'yes' || typeof a === 'number'));
  res.append(h('section', { id: 'answers-summary', 'aria-labelledby': 'ans-h' },
    h('h3', { id: 'ans-h' }, 'Your answers'),
    facts.length ? h('p', {}, facts.join(' · ')) : null,
    yes.length ? h('div', {}, h('p', {}, h('strong', {}, 'You said yes to:')), h('ul', {}, yes.map(([q, a]) => h('li', {}, q, typeof a === 'number' ? ` ${a}` : '')))) : null,
    other.length ? h('details', { class: 'answers-other' }, h('summary', {}, `Other answers (${other.length})`),
      h('ul', {}, other.map(([q, a]) => h('li', {}, q, ' ', h('em', {}, answerWord(a)))))) : null));
  res.append(h('p', { class: 'note print-only' }, r.disclaimer || ''));
}

// ---------------------------------------------------------------------------
// Clinician mode

const cl = {
  root: null, // the built view, kept while navigating
  record: null, // the saved record being edited
  extraAnswers: {}, // answers the form has no control for (kept on save)
  session: null,
};

function onUnauthorized() {
  const panel = $('#auth-panel');
  if (panel) {
    panel.hidden = false;
    const msg = $('#auth-message');
    if (msg) msg.textContent = getToken() ? 'The server did not accept this token. Please check it and try again.' : 'This server needs an access token for saved cases.';
  }
}

routes.clinician = async (view, arg) => {
  if (!cl.root) cl.root = await buildClinician();
  view.append(cl.root);
  refreshSession();
  if (arg.startsWith('case=')) prefillFromLink(arg.slice(5));
};

// A CDS Hooks card links here with the case read from the EHR record in the
// URL fragment (base64url JSON), which never reaches a server.
function prefillFromLink(encoded) {
  const errors = $('#form-errors');
  clearProblem(errors);
  try {
    const b64 = encoded.replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4)), (ch) => ch.charCodeAt(0));
    const c = JSON.parse(new TextDecoder().decode(bytes));
    if (!c || typeof c !== 'object' || Array.isArray(c)) throw new Error('not a case');
    setEditing(null);
    setCase(c);
    $('#editing-status').textContent = 'Filled in from the EHR record (coded entries only): check each finding with the patient, then examine and assess.';
  } catch (e) {
    showProblem(errors, { message: `The link's case could not be read (${e.message}). Enter the case by hand.` });
  }
}

async function refreshSession() {
  try {
    cl.session = await api('GET', '/api/v1/session');
  } catch {
    cl.session = { auth_required: false, authenticated: false };
  }
  const panel = $('#auth-panel');
  const needToken = cl.session.auth_required && !cl.session.authenticated;
  if (panel) {
    panel.hidden = !needToken && !getToken();
    $('#token-clear').hidden = !getToken();
    if (needToken) $('#auth-message').textContent = getToken() ? 'The server did not accept this token.' : 'This server keeps saved cases private. Enter your access token to see and save them.';
    else if (getToken()) $('#auth-message').textContent = 'Signed in with your token for this browser tab.';
  }
  if (needToken) {
    const list = $('#case-list');
    if (list) list.replaceChildren(h('p', { class: 'hint' }, 'Enter your access token above to see saved cases.'));
  } else {
    loadCases();
  }
}

async function buildClinician() {
  const [meta, groups, findings, blocks, treatments, conditions] = await Promise.all([
    kb(), kb('groups'), kb('findings'), kb('blocks'), kb('treatments'), kbMap('conditions'),
  ]);
  cl.meta = { meta, groups, findings, blocks, treatments, conditions };
  const root = h('div', { class: 'view-root clinician', id: 'clinician' });
  root.append(h('h1', { class: 'no-print' }, 'Clinician'),
    h('p', { class: 'lead no-print' }, 'Record the history, examination and tests, then assess. Unanswered items stay unknown and change nothing. ', h('strong', {}, meta.disclaimer || '')));

  // Auth panel
  const tokenInput = h('input', { type: 'password', id: 'token-input', autocomplete: 'off', spellcheck: 'false' });
  root.append(h('section', { id: 'auth-panel', class: 'card auth no-print', hidden: true, 'aria-labelledby': 'auth-h' },
    h('h2', { id: 'auth-h' }, 'Access token'),
    h('p', { id: 'auth-message', role: 'status' }),
    h('form', { class: 'inline-form', onsubmit: (e) => {
      e.preventDefault();
      const t = tokenInput.value.trim();
      setToken(t);
      tokenInput.value = '';
      refreshSession();
    } },
    h('div', { class: 'field' }, h('label', { for: 'token-input' }, 'Token'), tokenInput),
    h('button', { type: 'submit', class: 'btn', id: 'token-save' }, 'Use this token'),
    h('button', { type: 'button', class: 'btn btn-ghost', id: 'token-clear', hidden: true, onclick: () => { setToken(''); refreshSession(); } }, 'Forget token')),
    h('p', { class: 'hint' }, 'The token is kept only in this browser tab and sent to this server alone.')));

  // Saved cases
  root.append(h('section', { id: 'saved-cases', class: 'card no-print', 'aria-labelledby': 'cases-h' },
    h('div', { class: 'section-head' }, h('h2', { id: 'cases-h' }, 'Saved cases'),
      h('button', { type: 'button', class: 'btn btn-ghost btn-small', id: 'refresh-cases', onclick: loadCases }, 'Refresh')),
    h('div', { id: 'case-list', 'data-testid': 'case-list', 'aria-live': 'polite' }, h('p', { class: 'hint' }, 'Loading…'))));

  // The case form
  const form = buildCaseForm();
  root.append(form);

  // Result
  root.append(h('div', { id: 'result-slot' }));
  return root;
}

function buildCaseForm() {
  const { meta, groups, findings, blocks, treatments } = cl.meta;
  const form = h('form', { id: 'case-form', class: 'case-form no-print', novalidate: true, 'aria-labelledby': 'case-h' });
  form.append(h('div', { class: 'section-head' }, h('h2', { id: 'case-h' }, 'Case'),
    h('p', { id: 'editing-status', class: 'editing-status', role: 'status' }, 'New case (not saved)')));

  const sel = (id, label, options, path) => h('div', { class: 'field' },
    h('label', { for: id }, label),
    h('select', { id, 'data-path': path }, options.map(([v, t]) => h('option', { value: v }, t))));
  const num = (id, label, path, attrs = {}) => h('div', { class: 'field' },
    h('label', { for: id }, label),
    h('input', { type: 'number', id, 'data-path': path, step: 'any', inputmode: 'decimal', ...attrs }));
  const settings = (meta.settings || ['primary_care', 'spine_clinic']).map((s) => [s, SETTING_NAMES[s] || human(s)]);
  form.append(h('fieldset', { class: 'card details-grid', id: 'case-details' },
    h('legend', {}, 'Patient and setting'),
    h('div', { class: 'field field-wide' }, h('label', { for: 'c-label' }, 'Label (optional, do not enter names)'), h('input', { type: 'text', id: 'c-label', 'data-path': 'label', maxlength: '200', autocomplete: 'off' })),
    num('c-age', 'Age (years)', 'age', { min: '0', max: '120' }),
    sel('c-sex', 'Sex', [['', 'Not recorded'], ['female', 'Female'], ['male', 'Male'], ['other', 'Other']], 'sex'),
    sel('c-setting', 'Setting', [['', 'Default'], ...settings], 'setting'),
    num('c-duration', 'Duration (weeks)', 'duration_weeks', { min: '0' }),
    sel('c-sides', 'Side', [['', 'Not recorded'], ['left', 'Left'], ['right', 'Right'], ['both', 'Both'], ['central', 'Central']], 'sides')));

  // This visit: its date and outcome measures. Each save of a case is kept as a visit.
  const psfsRow = (i) => h('div', { class: 'psfs-row' },
    h('div', { class: 'field field-wide' }, h('label', { for: `psfs-a${i}` }, `Activity ${i + 1}`),
      h('input', { type: 'text', id: `psfs-a${i}`, 'data-key': 'activity', maxlength: '100', autocomplete: 'off', placeholder: i === 0 ? 'e.g. sitting through a film' : '' })),
    h('div', { class: 'field' }, h('label', { for: `psfs-s${i}` }, 'Score (0 unable – 10 as before)'),
      h('input', { type: 'number', id: `psfs-s${i}`, 'data-key': 'score', min: '0', max: '10', step: '1', inputmode: 'numeric' })));
  form.append(h('fieldset', { class: 'card details-grid', id: 'visit-details' },
    h('legend', {}, 'This visit'),
    h('div', { class: 'field' }, h('label', { for: 'c-visit-date' }, 'Visit date'),
      h('input', { type: 'date', id: 'c-visit-date', 'data-path': 'visit_date' })),
    h('p', { class: 'hint field-wide' }, 'Pain today: use “Pain intensity (NRS 0–10)” under the findings. Patient-Specific Functional Scale: up to three activities the patient finds hard, each scored 0 (unable) to 10 (as before the problem). The Roland–Morris questionnaire is not offered: its current licence terms could not be confirmed.'),
    [0, 1, 2].map(psfsRow)));

  // Findings by group
  const fsec = h('section', { class: 'findings', id: 'findings', 'aria-labelledby': 'findings-h' },
    h('div', { class: 'section-head' }, h('h3', { id: 'findings-h' }, 'History, examination and tests'),
      h('div', { class: 'btn-row' },
        h('button', { type: 'button', class: 'btn btn-ghost btn-small', id: 'expand-all', onclick: () => $$('details.group', form).forEach((d) => { d.open = true; }) }, 'Open all'),
        h('button', { type: 'button', class: 'btn btn-ghost btn-small', id: 'collapse-all', onclick: () => $$('details.group', form).forEach((d) => { d.open = false; }) }, 'Close all'))));
  const sorted = [...groups].sort((a, b) => a.order - b.order);
  for (const g of sorted) {
    const items = findings.filter((f) => f.group === g.id && f.derived == null);
    if (!items.length) continue;
    const count = h('span', { class: 'count', id: `count-${g.id}` });
    const det = h('details', { class: 'group', id: `group-${g.id}`, 'data-group': g.id, open: ['emergency_signs', 'pain_location'].includes(g.id) },
      h('summary', {}, h('span', { class: 'group-title' }, g.title), ' ', count));
    det.append(h('p', { class: 'hint' }, g.clinician_prompt || ''),
      h('div', { class: 'btn-row' },
        h('button', { type: 'button', class: 'btn btn-ghost btn-small', 'data-testid': `all-no-${g.id}`, onclick: () => setGroup(det, 'no') }, 'Mark all No'),
        h('button', { type: 'button', class: 'btn btn-ghost btn-small', onclick: () => setGroup(det, 'unknown') }, 'Clear')));
    for (const f of items) det.append(findingControl(f));
    fsec.append(det);
  }
  form.append(fsec);
  form.addEventListener('change', () => updateCounts(form));

  // Blocks
  const blockList = h('div', { id: 'block-list' });
  form.append(h('section', { class: 'card', id: 'block-editor', 'aria-labelledby': 'blocks-h' },
    h('h3', { id: 'blocks-h' }, 'Diagnostic nerve blocks'),
    h('p', { class: 'hint' }, 'Record pain (0–10) just before the injection and at each time after it.'),
    blockList,
    h('button', { type: 'button', class: 'btn btn-secondary', id: 'add-block', 'data-testid': 'add-block', onclick: () => { const b = blockEditor(blocks); blockList.append(b); $('select', b).focus(); } }, 'Add a nerve block')));

  // Treatments tried
  const trList = h('div', { id: 'treatment-list' });
  form.append(h('section', { class: 'card', id: 'treatments-editor', 'aria-labelledby': 'tr-h' },
    h('h3', { id: 'tr-h' }, 'Treatments tried'),
    trList,
    h('button', { type: 'button', class: 'btn btn-secondary', id: 'add-treatment', 'data-testid': 'add-treatment', onclick: () => { const r = treatmentRow(treatments); trList.append(r); $('select', r).focus(); } }, 'Add a treatment')));

  // Actions and errors
  form.append(
    h('div', { class: 'problem', id: 'form-errors', role: 'alert', tabindex: '-1', hidden: true, 'data-testid': 'form-errors' }),
    h('div', { class: 'actions sticky-actions' },
      h('button', { type: 'submit', class: 'btn', id: 'assess-button', 'data-testid': 'assess-button' }, 'Assess'),
      h('button', { type: 'button', class: 'btn btn-secondary', id: 'save-button', 'data-testid': 'save-button', onclick: saveCase }, 'Save case'),
      h('button', { type: 'button', class: 'btn btn-secondary', id: 'save-new-button', hidden: true, onclick: () => saveCase(true) }, 'Save as new case'),
      h('button', { type: 'button', class: 'btn btn-secondary', id: 'reassess-button', 'data-testid': 'reassess-button', hidden: true, onclick: reassessStored }, 'Reassess saved case'),
      h('button', { type: 'button', class: 'btn btn-ghost', id: 'new-case-button', onclick: () => newCase(true) }, 'New case')),
  );
  form.addEventListener('submit', (e) => { e.preventDefault(); assessCase(); });
  updateCounts(form);
  return form;
}

function findingControl(f) {
  const text = f.clinician || f.label || human(f.id);
  const base = `f-${f.id}`;
  if (f.answer === 'scale' || f.answer === 'number') {
    const unit = f.unit ? ` (${f.unit})` : f.answer === 'scale' ? ' (0–10)' : '';
    return h('div', { class: 'finding-row', 'data-testid': `finding-${f.id}` },
      h('label', { for: base, class: 'finding-label' }, text, unit),
      h('input', { type: 'number', id: base, class: 'num', 'data-finding': f.id, 'data-path': `answers.${f.id}`, step: 'any', inputmode: 'decimal',
        min: f.min ?? (f.answer === 'scale' ? 0 : null), max: f.max ?? (f.answer === 'scale' ? 10 : null) }));
  }
  if (f.answer === 'choice') {
    return h('div', { class: 'finding-row', 'data-testid': `finding-${f.id}` },
      h('label', { for: base, class: 'finding-label' }, text),
      h('select', { id: base, 'data-finding': f.id, 'data-path': `answers.${f.id}` },
        h('option', { value: '' }, 'Unknown'), (f.options || []).map((o) => h('option', { value: o }, human(o)))));
  }
  const labelId = `${base}-label`;
  return h('div', { class: 'finding-row', 'data-testid': `finding-${f.id}` },
    h('span', { class: 'finding-label', id: labelId }, text),
    h('div', { class: 'seg', role: 'radiogroup', 'aria-labelledby': labelId, 'data-finding': f.id, 'data-path': `answers.${f.id}`, id: base },
      [['yes', 'Yes'], ['no', 'No'], ['unknown', 'Unknown']].map(([v, t]) => h('label', { class: `seg-${v}` },
        h('input', { type: 'radio', name: base, id: `${base}-${v}`, value: v, checked: v === 'unknown' }),
        h('span', {}, t)))));
}

function setGroup(det, value) {
  for (const r of $$(`input[type=radio][value="${value}"]`, det)) r.checked = true;
  if (value === 'unknown') for (const i of $$('input.num, select', det)) i.value = '';
  updateCounts(det.closest('form'));
}

function updateCounts(form) {
  for (const det of $$('details.group', form)) {
    const total = $$('.finding-row', det).length;
    const answered = $$('.finding-row', det).filter((row) => {
      const r = $('input[type=radio]:checked', row);
      if (r) return r.value !== 'unknown';
      const i = $('input.num, select', row);
      return i && i.value !== '';
    }).length;
    const c = $(`.count`, det);
    if (c) c.textContent = `${answered} of ${total} answered`;
  }
}

let blockSeq = 0;
function blockEditor(blocks, rec = {}) {
  const n = ++blockSeq;
  const p = `blk${n}`;
  const readings = h('div', { class: 'readings', id: `${p}-readings` });
  const fs = h('fieldset', { class: 'block-record', 'data-testid': 'block-record', id: p },
    h('legend', {}, 'Nerve block'),
    h('div', { class: 'details-grid' },
      h('div', { class: 'field' }, h('label', { for: `${p}-protocol` }, 'Protocol'),
        h('select', { id: `${p}-protocol`, 'data-key': 'protocol' }, blocks.map((b) => h('option', { value: b.id }, b.name)))),
      h('div', { class: 'field' }, h('label', { for: `${p}-before` }, 'Pain before (0–10)'),
        h('input', { type: 'number', id: `${p}-before`, 'data-key': 'pain_before', min: '0', max: '10', step: 'any', inputmode: 'decimal', value: rec.pain_before ?? '' })),
      h('div', { class: 'field' }, h('label', { for: `${p}-side` }, 'Side'),
        h('select', { id: `${p}-side`, 'data-key': 'side' }, [['', 'Not recorded'], ['left', 'Left'], ['right', 'Right'], ['both', 'Both'], ['central', 'Central']].map(([v, t]) => h('option', { value: v }, t)))),
      h('div', { class: 'field' }, h('label', { for: `${p}-guidance` }, 'Guidance'),
        h('select', { id: `${p}-guidance`, 'data-key': 'guidance' }, [['', 'Not recorded'], ['ultrasound', 'Ultrasound'], ['landmark', 'Landmark'], ['fluoroscopy', 'Fluoroscopy']].map(([v, t]) => h('option', { value: v }, t)))),
      h('div', { class: 'field field-wide' }, h('label', { for: `${p}-agent` }, 'Agent and volume'),
        h('input', { type: 'text', id: `${p}-agent`, 'data-key': 'agent', placeholder: 'e.g. lidocaine 1% 2 mL', value: rec.agent || '' }))),
    h('p', { class: 'sub', id: `${p}-readings-h` }, h('strong', {}, 'Pain after the block')),
    readings,
    h('div', { class: 'btn-row' },
      h('button', { type: 'button', class: 'btn btn-secondary btn-small', 'data-testid': 'add-reading', id: `${p}-add-reading`, onclick: () => { const r = readingRow(); readings.append(r); $('input', r).focus(); } }, 'Add a reading'),
      h('button', { type: 'button', class: 'btn btn-ghost btn-small btn-danger-text', onclick: () => { fs.remove(); } }, 'Remove this block')));
  if (rec.protocol) $(`#${p}-protocol`, fs).value = rec.protocol;
  if (rec.side) $(`#${p}-side`, fs).value = rec.side;
  if (rec.guidance) $(`#${p}-guidance`, fs).value = rec.guidance;
  const rs = rec.readings && rec.readings.length ? rec.readings : [{ minutes: 15 }, { minutes: 60 }];
  for (const r of rs) readings.append(readingRow(r));
  return fs;
}

let readingSeq = 0;
function readingRow(r = {}) {
  const n = ++readingSeq;
  const p = `rd${n}`;
  const hours = r.hours != null && r.minutes == null;
  const row = h('div', { class: 'reading-row', 'data-testid': 'reading-row' },
    h('div', { class: 'field' }, h('label', { for: `${p}-time` }, 'Time after'),
      h('input', { type: 'number', id: `${p}-time`, 'data-key': 'time', min: '0', step: 'any', inputmode: 'decimal', value: hours ? r.hours : (r.minutes ?? '') })),
    h('div', { class: 'field' }, h('label', { for: `${p}-unit` }, 'Unit'),
      h('select', { id: `${p}-unit`, 'data-key': 'unit' }, h('option', { value: 'minutes', selected: !hours }, 'minutes'), h('option', { value: 'hours', selected: hours }, 'hours'))),
    h('div', { class: 'field' }, h('label', { for: `${p}-pain` }, 'Pain (0–10)'),
      h('input', { type: 'number', id: `${p}-pain`, 'data-key': 'pain', min: '0', max: '10', step: 'any', inputmode: 'decimal', value: r.pain ?? '' })),
    h('button', { type: 'button', class: 'btn btn-ghost btn-small btn-danger-text', 'aria-label': 'Remove this reading', onclick: () => row.remove() }, 'Remove'));
  return row;
}

let trSeq = 0;
function treatmentRow(treatments, t = {}) {
  const n = ++trSeq;
  const p = `tr${n}`;
  const row = h('div', { class: 'treatment-row', 'data-testid': 'treatment-row' },
    h('div', { class: 'field' }, h('label', { for: `${p}-treatment` }, 'Treatment'),
      h('select', { id: `${p}-treatment`, 'data-key': 'treatment' }, h('option', { value: '' }, 'Choose a treatment…'), treatments.map((x) => h('option', { value: x.id }, x.name)))),
    h('div', { class: 'field' }, h('label', { for: `${p}-response` }, 'Response'),
      h('select', { id: `${p}-response`, 'data-key': 'response' }, h('option', { value: '' }, 'How did it work?'), RESPONSES.map(([v, l]) => h('option', { value: v }, l)))),
    h('div', { class: 'field' }, h('label', { for: `${p}-weeks` }, 'Weeks'),
      h('input', { type: 'number', id: `${p}-weeks`, 'data-key': 'weeks', min: '0', step: 'any', inputmode: 'decimal', value: t.weeks ?? '' })),
    h('button', { type: 'button', class: 'btn btn-ghost btn-small btn-danger-text', 'aria-label': 'Remove this treatment', onclick: () => row.remove() }, 'Remove'));
  if (t.treatment) {
    const s = $(`#${p}-treatment`, row);
    if (![...s.options].some((o) => o.value === t.treatment)) s.append(h('option', { value: t.treatment }, human(t.treatment)));
    s.value = t.treatment;
  }
  if (t.response) $(`#${p}-response`, row).value = t.response;
  return row;
}

/** Read the form into a case; also returns a map from error path to the control. */
function readCase() {
  const form = $('#case-form');
  const paths = new Map();
  const problems = [];
  const c = { respondent: 'clinician' };
  const val = (id) => $(`#${id}`, form).value.trim();
  const label = val('c-label');
  if (label) c.label = label;
  paths.set('label', $('#c-label', form));
  for (const [id, key] of [['c-age', 'age'], ['c-duration', 'duration_weeks']]) {
    const v = val(id);
    paths.set(key, $(`#${id}`, form));
    if (v !== '') c[key] = Number(v);
  }
  for (const [id, key] of [['c-sex', 'sex'], ['c-setting', 'setting'], ['c-sides', 'sides']]) {
    const v = val(id);
    paths.set(key, $(`#${id}`, form));
    if (v) c[key] = v;
  }
  const answers = { ...cl.extraAnswers };
  for (const el of $$('[data-finding]', form)) {
    const id = el.dataset.finding;
    paths.set(`answers.${id}`, el.matches('.seg') ? $('input:checked', el) || $('input', el) : el);
    if (el.matches('.seg')) {
      const r = $('input:checked', el);
      if (r && r.value !== 'unknown') answers[id] = r.value;
      else delete answers[id];
    } else if (el.matches('input')) {
      if (el.value.trim() !== '') answers[id] = Number(el.value);
      else delete answers[id];
    } else if (el.value) answers[id] = el.value;
    else delete answers[id];
  }
  c.answers = answers;
  const blocks = $$('.block-record', form).map((fs, i) => {
    const prefix = i === 0 ? 'block' : `blocks.${i - 1}`;
    const get = (k) => $(`[data-key="${k}"]`, fs);
    const b = {};
    const proto = get('protocol').value;
    if (proto) b.protocol = proto;
    const before = get('pain_before').value.trim();
    b.pain_before = before === '' ? null : Number(before);
    if (before === '') problems.push({ path: `${prefix}.pain_before`, message: 'Enter the pain score (0–10) just before the injection.' });
    paths.set(`${prefix}.pain_before`, get('pain_before'));
    paths.set(`${prefix}.protocol`, get('protocol'));
    paths.set(prefix, get('pain_before'));
    for (const k of ['side', 'guidance', 'agent']) {
      const v = get(k).value.trim();
      if (v) b[k] = v;
      paths.set(`${prefix}.${k}`, get(k));
    }
    b.readings = [];
    $$('.reading-row', fs).forEach((row) => {
      const t = $('[data-key="time"]', row).value.trim();
      const pain = $('[data-key="pain"]', row).value.trim();
      if (pain === '') return; // a row without a pain score is not a reading yet
      const j = b.readings.length;
      const unit = $('[data-key="unit"]', row).value;
      const rd = { [unit]: t === '' ? null : Number(t), pain: pain === '' ? null : Number(pain) };
      b.readings.push(rd);
      if (t === '') problems.push({ path: `${prefix}.readings.${j}.${unit}`, message: 'Enter the time after the injection.' });
      paths.set(`${prefix}.readings.${j}`, $('[data-key="time"]', row));
      paths.set(`${prefix}.readings.${j}.${unit}`, $('[data-key="time"]', row));
      paths.set(`${prefix}.readings.${j}.pain`, $('[data-key="pain"]', row));
    });
    return b;
  });
  if (blocks.length) c.block = blocks[0];
  if (blocks.length > 1) c.blocks = blocks.slice(1);
  const tried = $$('.treatment-row', form).map((row, i) => {
    const t = { treatment: $('[data-key="treatment"]', row).value, response: $('[data-key="response"]', row).value };
    if (!t.treatment) problems.push({ path: `treatments_tried.${i}.treatment`, message: 'Choose the treatment, or remove this row.' });
    else if (!t.response) problems.push({ path: `treatments_tried.${i}.response`, message: 'Say how the treatment worked.' });
    const w = $('[data-key="weeks"]', row).value.trim();
    if (w !== '') t.weeks = Number(w);
    paths.set(`treatments_tried.${i}.treatment`, $('[data-key="treatment"]', row));
    paths.set(`treatments_tried.${i}.response`, $('[data-key="response"]', row));
    paths.set(`treatments_tried.${i}.weeks`, $('[data-key="weeks"]', row));
    return t;
  });
  if (tried.length) c.treatments_tried = tried;
  const visitDate = val('c-visit-date');
  paths.set('visit_date', $('#c-visit-date', form));
  const psfs = [];
  $$('.psfs-row', form).forEach((row, i) => {
    const activity = $('[data-key="activity"]', row).value.trim();
    const score = $('[data-key="score"]', row).value.trim();
    if (!activity && score === '') return;
    const j = psfs.length;
    paths.set(`outcomes.psfs.${j}.activity`, $('[data-key="activity"]', row));
    paths.set(`outcomes.psfs.${j}.score`, $('[data-key="score"]', row));
    if (!activity) problems.push({ path: `outcomes.psfs.${j}.activity`, message: 'Name the activity, or clear its score.' });
    if (score === '') problems.push({ path: `outcomes.psfs.${j}.score`, message: 'Score the activity from 0 to 10.' });
    psfs.push({ activity, score: score === '' ? null : Number(score) });
    void i;
  });
  const visit = { visit_date: visitDate || undefined, outcomes: psfs.length ? { psfs } : undefined };
  return { case: c, label, visit, problems, fieldFor: (path) => lookupPath(paths, path) };
}

function lookupPath(paths, path) {
  let p = String(path || '').replace(/^\/+/, '').replace(/\//g, '.').replace(/\[(\d+)\]/g, '.$1').replace(/^case\./, '');
  while (p) {
    if (paths.has(p)) return paths.get(p);
    const cut = p.lastIndexOf('.');
    if (cut < 0) break;
    p = p.slice(0, cut);
  }
  return null;
}

/** Fill the form from a case object. */
function setCase(c = {}) {
  const form = $('#case-form');
  const { blocks, treatments } = cl.meta;
  form.reset();
  $('#c-label', form).value = c.label || (cl.record && cl.record.label) || '';
  $('#c-age', form).value = c.age ?? '';
  $('#c-duration', form).value = c.duration_weeks ?? '';
  $('#c-sex', form).value = c.sex || '';
  $('#c-setting', form).value = c.setting || '';
  $('#c-sides', form).value = c.sides || '';
  const known = new Set();
  for (const el of $$('[data-finding]', form)) {
    const id = el.dataset.finding;
    known.add(id);
    const a = (c.answers || {})[id];
    if (el.matches('.seg')) {
      const v = a === true ? 'yes' : a === false ? 'no' : (a === 'yes' || a === 'no') ? a : 'unknown';
      $(`input[value="${v}"]`, el).checked = true;
    } else {
      el.value = a == null || a === 'unknown' ? '' : a;
    }
  }
  cl.extraAnswers = {};
  for (const [k, v] of Object.entries(c.answers || {})) if (!known.has(k)) cl.extraAnswers[k] = v;
  for (const det of $$('details.group', form)) {
    if ($$('.finding-row', det).some((row) => (c.answers || {})[row.dataset.testid.slice(8)] != null)) det.open = true;
  }
  const bl = $('#block-list', form);
  bl.replaceChildren();
  for (const b of [c.block, ...(c.blocks || [])].filter(Boolean)) bl.append(blockEditor(blocks, b));
  const tl = $('#treatment-list', form);
  tl.replaceChildren();
  for (const t of c.treatments_tried || []) tl.append(treatmentRow(treatments, t));
  updateCounts(form);
}

function setEditing(record) {
  cl.record = record;
  const st = $('#editing-status');
  if (record) {
    st.textContent = `Editing saved case “${record.label || 'Untitled case'}” (saved ${fmtDate(record.updated_at || record.created_at)}).`;
    $('#save-button').textContent = 'Save changes';
  } else {
    st.textContent = 'New case (not saved)';
    $('#save-button').textContent = 'Save case';
  }
  $('#save-new-button').hidden = !record;
  $('#reassess-button').hidden = !record;
  markCurrentCase();
}

function newCase(focus) {
  setEditing(null);
  cl.extraAnswers = {};
  setCase({});
  clearProblem($('#form-errors'));
  $('#result-slot').replaceChildren();
  if (focus) $('#c-label').focus();
}

function withBusy(btn, fn) {
  return async (...args) => {
    const buttons = $$('#case-form .actions button');
    buttons.forEach((b) => { b.disabled = true; });
    $('#case-form').setAttribute('aria-busy', 'true');
    try {
      return await fn(...args);
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
      $('#case-form').removeAttribute('aria-busy');
    }
  };
}

/** Nothing entered that the engine could reason from: no age, duration, side, answer, block or treatment. */
function emptyCase(c) {
  return c.age == null && c.duration_weeks == null && !c.sides && !c.sex
    && !Object.keys(c.answers || {}).length && !c.block && !(c.treatments_tried || []).length;
}

/** A result no longer matches the form once the form is wrong: take it away. */
function clearResult() {
  const slot = $('#result-slot');
  if (slot) slot.replaceChildren();
}

const assessCase = withBusy(null, async () => {
  const errors = $('#form-errors');
  clearProblem(errors);
  const { case: c, fieldFor, problems } = readCase();
  if (problems.length) {
    clearResult();
    showProblem(errors, new ApiError(422, { title: 'Please check the form', errors: problems }), fieldFor);
    return;
  }
  if (emptyCase(c)) {
    clearResult();
    showProblem(errors, new ApiError(422, { title: 'Nothing to assess yet', detail: 'Enter at least the age, how long the pain has lasted, where it is, and the warning-sign questions (under “Warning signs”). An empty form would only give the base rates.' }));
    return;
  }
  try {
    const report = await api('POST', '/api/v1/assess', c);
    cl.assessedCase = c;
    showClinicianReport(report, { note: 'Assessed now. Nothing was stored.' });
  } catch (e) {
    clearResult();
    showProblem(errors, e, fieldFor);
  }
});

const saveCase = withBusy(null, async (asNew = false) => {
  const errors = $('#form-errors');
  clearProblem(errors);
  const { case: c, label, visit, fieldFor, problems } = readCase();
  if (problems.length) {
    clearResult();
    showProblem(errors, new ApiError(422, { title: 'Please check the form', errors: problems }), fieldFor);
    return;
  }
  const body = { case: c, ...visit };
  if (label) body.label = label;
  try {
    const editing = cl.record && asNew !== true;
    const rec = editing
      ? await api('PUT', `/api/v1/cases/${encodeURIComponent(cl.record.id)}`, body)
      : await api('POST', '/api/v1/cases', body);
    setEditing(rec);
    // The visit is stored; the next save is another visit, so its fields start empty.
    for (const el of $$('#visit-details input')) el.value = '';
    showClinicianReport(rec.report, { note: editing ? 'Saved as a new visit and reassessed with the current knowledge base.' : 'Case saved as its first visit.' , record: rec });
    loadCases();
  } catch (e) {
    showProblem(errors, e, (p) => fieldFor(String(p).replace(/^case\./, '')));
  }
});

const reassessStored = withBusy(null, async () => {
  const errors = $('#form-errors');
  clearProblem(errors);
  if (!cl.record) return;
  try {
    const body = { case: cl.record.case };
    if (cl.record.label) body.label = cl.record.label;
    const rec = await api('PUT', `/api/v1/cases/${encodeURIComponent(cl.record.id)}`, body);
    setEditing(rec);
    setCase(rec.case);
    showClinicianReport(rec.report, { note: 'The saved case was reassessed with the current knowledge base.', record: rec });
    loadCases();
  } catch (e) {
    showProblem(errors, e);
  }
});

async function openCase(id) {
  const errors = $('#form-errors');
  clearProblem(errors);
  try {
    const rec = await api('GET', `/api/v1/cases/${encodeURIComponent(id)}`);
    setEditing(rec);
    setCase(rec.case || {});
    showClinicianReport(rec.report, { note: `Report as assessed when saved (${fmtDate(rec.updated_at || rec.created_at)}, knowledge base ${rec.kb_version || '?'}). Use “Reassess saved case” to apply the current knowledge base.`, record: rec });
  } catch (e) {
    showProblem(errors, e);
  }
}

async function loadCases() {
  const list = $('#case-list');
  if (!list) return;
  let cases;
  try {
    cases = await api('GET', '/api/v1/cases');
  } catch (e) {
    list.replaceChildren(h('p', { class: 'hint' }, e.status === 401 ? 'Enter your access token above to see saved cases.' : `Saved cases could not be loaded: ${e.message}`));
    return;
  }
  const conditions = cl.meta ? cl.meta.conditions : new Map();
  if (!cases.length) {
    list.replaceChildren(h('p', { class: 'hint', id: 'no-cases' }, 'No saved cases yet. Use “Save case” below the form.'));
    return;
  }
  const ul = h('ul', { class: 'case-items' });
  for (const c of cases) {
    const top = conditions.get(c.top_condition);
    const li = h('li', { class: 'case-item', 'data-id': c.id, 'data-testid': 'case-item' },
      h('div', { class: 'case-main' },
        h('span', { class: 'case-label' }, c.label || 'Untitled case'),
        h('span', { class: 'case-meta' }, c.triage_level ? badge(c.triage_level) : null, ' ',
          top ? top.short_name || top.name : human(c.top_condition || ''), ' · ', fmtDate(c.updated_at || c.created_at))),
      h('div', { class: 'btn-row' },
        h('button', { type: 'button', class: 'btn btn-secondary btn-small', 'data-testid': 'open-case', 'aria-label': `Open ${c.label || 'untitled case'}`, onclick: () => openCase(c.id) }, 'Open'),
        h('button', { type: 'button', class: 'btn btn-ghost btn-small btn-danger-text', 'data-testid': 'delete-case', 'aria-label': `Delete ${c.label || 'untitled case'}`, onclick: () => confirmDelete(li, c) }, 'Delete')));
    ul.append(li);
  }
  list.replaceChildren(ul);
  markCurrentCase();
}

function markCurrentCase() {
  for (const li of $$('.case-item')) {
    const on = cl.record && li.dataset.id === cl.record.id;
    li.classList.toggle('current', !!on);
    if (on) li.setAttribute('aria-current', 'true'); else li.removeAttribute('aria-current');
  }
}

function confirmDelete(li, c) {
  if ($('.confirm', li)) return;
  const box = h('div', { class: 'confirm', role: 'group', 'aria-label': 'Confirm deletion' },
    h('p', {}, `Delete “${c.label || 'Untitled case'}” for good? This cannot be undone.`),
    h('div', { class: 'btn-row' },
      h('button', { type: 'button', class: 'btn btn-danger btn-small', 'data-testid': 'confirm-delete', onclick: async () => {
        try {
          await api('DELETE', `/api/v1/cases/${encodeURIComponent(c.id)}`);
          if (cl.record && cl.record.id === c.id) setEditing(null);
          await loadCases();
          $('#refresh-cases').focus();
        } catch (e) {
          box.replaceChildren(h('p', { class: 'field-error' }, `Could not delete: ${e.message}`));
        }
      } }, 'Yes, delete'),
      h('button', { type: 'button', class: 'btn btn-ghost btn-small', 'data-testid': 'cancel-delete', onclick: () => { box.remove(); $('[data-testid="delete-case"]', li).focus(); } }, 'Cancel')));
  li.append(box);
  $('[data-testid="confirm-delete"]', box).focus();
}

// ---- Clinician report

async function showClinicianReport(report, { note, record } = {}) {
  const r = await hydrateReport(report);
  const slot = $('#result-slot');
  slot.replaceChildren(clinicianReport(r, note, record));
  const t = $('#result-title');
  if (t) { t.focus(); t.scrollIntoView({ block: 'start' }); }
  if (record && record.id) {
    showVisits(record.id);
    showDiary(record.id);
  }
}

// ---------------------------------------------------------------------------
// Patient diary: the clinician's side (links, entries, charts)

async function showDiary(id) {
  let entries, links;
  try {
    await loadMic();
    [entries, links] = await Promise.all([
      api('GET', `/api/v1/cases/${encodeURIComponent(id)}/diary`),
      api('GET', `/api/v1/cases/${encodeURIComponent(id)}/diary-links`),
    ]);
  } catch {
    return;
  }
  const res = $('#result');
  if (!res) return;
  const old = $('#diary', res);
  const section = diarySection(id, entries, links);
  if (old) old.replaceWith(section); else res.append(section);
}

/** Run `fn` with `btn` disabled; a failure is shown in `status`. */
async function busyButton(btn, status, fn) {
  btn.disabled = true;
  try {
    await fn();
  } catch (e) {
    if (status) status.textContent = `That did not work: ${e.message || e}`;
  } finally {
    btn.disabled = false;
  }
}

function diarySection(id, entries, links, fresh) {
  const open = links.filter((l) => !l.revoked_at);
  const status = h('p', { id: 'diary-status', role: 'status' },
    open.length ? `${open.length} diary link${open.length > 1 ? 's are' : ' is'} open.` : 'No diary link is open.');
  const create = h('button', { type: 'button', class: 'btn btn-secondary btn-small', id: 'create-diary-link' }, 'Create a diary link');
  create.addEventListener('click', () => busyButton(create, status, async () => {
    const made = await api('POST', `/api/v1/cases/${encodeURIComponent(id)}/diary-links`);
    const [e2, l2] = await Promise.all([
      api('GET', `/api/v1/cases/${encodeURIComponent(id)}/diary`),
      api('GET', `/api/v1/cases/${encodeURIComponent(id)}/diary-links`),
    ]);
    const next = diarySection(id, e2, l2, `${location.origin}${location.pathname}${made.path.replace(/^\//, '')}`);
    $('#diary').replaceWith(next);
    const url = $('#diary-link-url');
    if (url) { url.focus(); url.select(); }
  }));
  const revoke = open.length
    ? h('button', { type: 'button', class: 'btn btn-ghost btn-small', id: 'revoke-diary-links' }, 'Withdraw diary links')
    : null;
  if (revoke) {
    revoke.addEventListener('click', () => busyButton(revoke, status, async () => {
      await api('DELETE', `/api/v1/cases/${encodeURIComponent(id)}/diary-links`);
      await showDiary(id);
      const st = $('#diary-status');
      if (st) st.textContent = 'Every diary link of this case is withdrawn. Entries already sent are kept.';
    }));
  }
  const shown = fresh
    ? h('div', { class: 'field', id: 'diary-link-box' },
      h('label', { for: 'diary-link-url' }, 'Give this link to the patient (it is shown only now):'),
      h('input', { type: 'text', id: 'diary-link-url', readonly: true, value: fresh, 'data-testid': 'diary-link-url' }),
      h('p', { class: 'hint' }, 'Anyone with the link can add to this case’s diary, so send it only to the patient. Withdraw it when it is no longer needed.'))
    : null;
  return h('section', { id: 'diary', 'data-testid': 'diary', 'aria-labelledby': 'diary-h' },
    h('h3', { id: 'diary-h' }, `Patient diary (${entries.length} ${entries.length === 1 ? 'entry' : 'entries'})`),
    h('p', { class: 'hint' }, 'A private link lets the patient record daily pain, the exercises done and notes, without an account. It opens this case’s diary only.'),
    status,
    h('div', { class: 'actions' }, create, revoke),
    shown,
    entries.length ? diaryCharts(entries) : h('p', { class: 'hint' }, 'No diary entries yet.'),
    entries.length ? diaryTable(entries) : null);
}

/** An SVG element with its attributes and text: the charts are drawn with it. */
function svgNode(tag, attrs = {}, text) {
  const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text != null) e.textContent = text;
  return e;
}

const dayNumber = (d) => Math.round(Date.parse(`${d}T00:00:00Z`) / 86400000);

/** Pain by day and exercise adherence by day, on one time axis. */
function diaryCharts(entries) {
  const days = entries.map((e) => dayNumber(e.date));
  const first = Math.min(...days), span = Math.max(Math.max(...days) - first, 1);
  const W = 320, L = 34, R = 10;
  const x = (d) => L + ((W - L - R) * (dayNumber(d) - first)) / span;
  const wrap = h('div', { class: 'diary-charts' });
  const pains = entries.filter((e) => e.pain != null);
  if (pains.length) {
    const H = 150, B = 122, T = 12;
    const y = (p) => B - ((B - T) * p) / 10;
    const base = pains[0].pain;
    const target = Math.max(base - MIC_POINTS, base * (1 - MIC_SHARE));
    const svg = svgNode('svg', { viewBox: `0 0 ${W} ${H}`, class: 'pain-chart', role: 'img', 'data-testid': 'diary-pain-chart',
      'aria-label': `Diary pain by day: ${pains.map((e) => `${e.date} ${e.pain}`).join(', ')}.` });
    for (const v of [0, 5, 10]) {
      svg.append(svgNode('line', { x1: L, x2: W - R, y1: y(v), y2: y(v), class: 'pc-grid' }), svgNode('text', { x: L - 6, y: y(v) + 4, class: 'pc-label', 'text-anchor': 'end' }, String(v)));
    }
    if (base > 0) {
      svg.append(svgNode('line', { x1: L, x2: W - R, y1: y(target), y2: y(target), class: 'pc-mic' }),
        svgNode('text', { x: W - R, y: y(target) - 4, class: 'pc-label', 'text-anchor': 'end' }, 'meaningful improvement'));
    }
    svg.append(svgNode('polyline', { points: pains.map((e) => `${x(e.date)},${y(e.pain)}`).join(' '), class: 'pc-line' }));
    for (const e of pains) {
      const dot = svgNode('circle', { cx: x(e.date), cy: y(e.pain), r: 3.5, class: 'pc-dot' });
      dot.append(svgNode('title', {}, `${e.date}: pain ${e.pain}/10`));
      svg.append(dot);
    }
    svg.append(svgNode('text', { x: L, y: H - 8, class: 'pc-label', 'text-anchor': 'start' }, entries[0].date),
      svgNode('text', { x: W - R, y: H - 8, class: 'pc-label', 'text-anchor': 'end' }, entries[entries.length - 1].date));
    wrap.append(h('h4', {}, 'Pain by day'), svg);
  }
  const withPlan = entries.filter((e) => e.exercises_prescribed.length);
  if (withPlan.length) {
    const H = 110, B = 84, T = 10;
    const share = (e) => e.exercises_done.length / e.exercises_prescribed.length;
    const mean = withPlan.reduce((a, e) => a + share(e), 0) / withPlan.length;
    const svg = svgNode('svg', { viewBox: `0 0 ${W} ${H}`, class: 'pain-chart adherence-chart', role: 'img', 'data-testid': 'adherence-chart',
      'aria-label': `Exercises done by day, as a share of those prescribed: ${withPlan.map((e) => `${e.date} ${e.exercises_done.length} of ${e.exercises_prescribed.length}`).join(', ')}; ${Math.round(mean * 100)}% on average.` });
    for (const v of [0, 0.5, 1]) {
      const yy = B - (B - T) * v;
      svg.append(svgNode('line', { x1: L, x2: W - R, y1: yy, y2: yy, class: 'pc-grid' }), svgNode('text', { x: L - 6, y: yy + 4, class: 'pc-label', 'text-anchor': 'end' }, `${v * 100}%`));
    }
    const bw = Math.max(3, Math.min(14, (W - L - R) / (span + 1) - 2));
    for (const e of withPlan) {
      const hgt = (B - T) * share(e);
      const bar = svgNode('rect', { x: x(e.date) - bw / 2, y: B - hgt, width: bw, height: Math.max(hgt, 0.5), class: 'ad-bar' });
      bar.append(svgNode('title', {}, `${e.date}: ${e.exercises_done.length} of ${e.exercises_prescribed.length} exercises`));
      svg.append(bar);
    }
    svg.append(svgNode('text', { x: L, y: H - 6, class: 'pc-label', 'text-anchor': 'start' }, entries[0].date),
      svgNode('text', { x: W - R, y: H - 6, class: 'pc-label', 'text-anchor': 'end' }, entries[entries.length - 1].date));
    wrap.append(h('h4', {}, `Exercises done (${Math.round(mean * 100)}% of those prescribed, on average)`), svg);
  }
  return wrap;
}

function diaryTable(entries) {
  return h('div', { class: 'table-wrap' }, h('table', { class: 'visits stack', 'data-testid': 'diary-table' },
    h('caption', {}, 'Diary entries'),
    h('thead', {}, h('tr', {}, ['Date', 'Pain', 'Exercises', 'Notes'].map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, [...entries].reverse().map((e) => h('tr', { 'data-testid': 'diary-row' },
      h('td', {}, e.date),
      h('td', { 'data-label': 'Pain' }, e.pain == null ? '–' : `${e.pain}/10`),
      h('td', { 'data-label': 'Exercises' }, e.exercises_prescribed.length ? `${e.exercises_done.length} of ${e.exercises_prescribed.length}` : '–'),
      h('td', { 'data-label': 'Notes' }, e.notes || '–'))))));
}

// ---------------------------------------------------------------------------
// Patient diary: the patient's side, opened by the link (#/diary/<token>).
// The token stays in the page's fragment and goes to the server only in the
// Authorization header.

routes.diary = async (view, token) => {
  const root = h('div', { class: 'view-root diary-page' });
  view.append(root);
  root.append(h('h1', { tabindex: '-1' }, 'My pain diary'));
  const auth = { authorization: `Diary ${token}` };
  const problem = h('div', { class: 'problem', id: 'diary-errors', role: 'alert', tabindex: '-1', hidden: true });
  root.append(problem);
  let diary;
  try {
    if (!token) throw new ApiError(401, { title: 'No diary link' });
    diary = await api('GET', '/api/v1/diary', undefined, auth);
  } catch (e) {
    root.append(h('p', { class: 'lead', id: 'diary-closed', role: 'alert' }, e.status === 401
      ? 'This diary link is not valid or has been withdrawn. Please ask your clinician for a new one.'
      : `The diary could not be opened: ${e.message}`));
    $('h1', root).focus();
    return;
  }
  const today = new Date();
  const iso = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  const form = h('form', { id: 'diary-form', class: 'card', novalidate: true, 'aria-labelledby': 'diary-form-h' },
    h('h2', { id: 'diary-form-h' }, 'Today’s entry'),
    h('p', {}, 'Your clinician gave you this link. What you write here is added to your record with them, so they can see how you are doing between visits. Fill it in once a day if you can.'),
    h('div', { class: 'field' },
      h('label', { for: 'diary-date' }, 'Day'),
      h('input', { type: 'date', id: 'diary-date', required: true, max: iso(today), value: iso(today) })),
    h('div', { class: 'field' },
      h('label', { for: 'diary-pain' }, 'Your pain today, from 0 to 10'),
      h('p', { class: 'hint', id: 'diary-pain-hint' }, '0 means no pain at all, 10 the worst pain you can imagine. Leave it empty if you prefer.'),
      h('input', { type: 'number', id: 'diary-pain', min: '0', max: '10', step: '1', inputmode: 'numeric', 'aria-describedby': 'diary-pain-hint' })),
    diary.exercises.length
      ? h('fieldset', { class: 'field', id: 'diary-exercises' },
        h('legend', {}, 'Exercises you did today'),
        diary.exercises.map((x) => h('label', { class: 'check' },
          h('input', { type: 'checkbox', name: 'exercise', value: x.id, id: `ex-${x.id}` }), h('span', {}, x.name))))
      : h('p', { class: 'hint' }, 'Your plan has no exercises yet.'),
    h('div', { class: 'field' },
      h('label', { for: 'diary-notes' }, 'Notes (optional)'),
      h('textarea', { id: 'diary-notes', maxlength: '1000', rows: '3' })),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn', id: 'diary-save' }, 'Save today’s entry')),
    h('p', { id: 'diary-saved', role: 'status' }),
    h('p', { class: 'note' }, 'This diary is not for urgent problems. If you have new numbness between your legs, new trouble passing urine or controlling your bladder or bowels, or new weakness in both legs, go to an emergency department now.'));
  const list = h('section', { id: 'diary-entries', 'aria-labelledby': 'diary-entries-h' });
  const showList = (entries) => {
    list.replaceChildren(h('h2', { id: 'diary-entries-h' }, 'What you have sent'),
      entries.length ? diaryTable(entries) : h('p', { class: 'hint' }, 'Nothing yet.'));
  };
  showList(diary.entries);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearProblem(problem);
    const pain = $('#diary-pain').value.trim();
    const body = {
      date: $('#diary-date').value,
      pain: pain === '' ? null : Number(pain),
      exercises_done: $$('#diary-exercises input:checked').map((b) => b.value),
      notes: $('#diary-notes').value,
    };
    if (pain !== '' && !(Number.isInteger(body.pain) && body.pain >= 0 && body.pain <= 10)) {
      showProblem(problem, new ApiError(422, { title: 'Please check your entry', errors: [{ path: 'pain', message: 'Please give a whole number from 0 to 10, or leave it empty.' }] }), () => $('#diary-pain'));
      return;
    }
    const save = $('#diary-save');
    save.disabled = true;
    try {
      const saved = await api('POST', '/api/v1/diary/entries', body, auth);
      form.reset();
      $('#diary-date').value = iso(today);
      const again = await api('GET', '/api/v1/diary', undefined, auth);
      showList(again.entries);
      $('#diary-saved').textContent = `Saved your entry for ${saved.date}. Thank you.`;
    } catch (err) {
      if (err.status === 401) {
        form.replaceWith(h('p', { class: 'lead', id: 'diary-closed', role: 'alert' }, 'This diary link has been withdrawn. Please ask your clinician for a new one.'));
        return;
      }
      showProblem(problem, err, (path) => ({ pain: $('#diary-pain'), date: $('#diary-date'), notes: $('#diary-notes') })[path.split('[')[0]]);
    } finally {
      save.disabled = false;
    }
  });
  root.append(form, list);
  $('h1', root).focus();
};

// ---------------------------------------------------------------------------
// Visits of a saved case: every save kept, pain over time, outcome measures.

// The minimal important change in pain: from the knowledge base (`outcomes` in
// kb.toml, with its source), read before any chart is drawn.
let MIC_POINTS = NaN;
let MIC_SHARE = NaN;
let MIC_SOURCE = '';
async function loadMic() {
  const o = (await kb()).outcomes;
  MIC_POINTS = o.pain_mic_points.value;
  MIC_SHARE = o.pain_mic_share.value;
  const id = o.pain_mic_points.source;
  MIC_SOURCE = shortCite((await kbMap('references')).get(id), id);
}
const micWords = () => `A fall of ${MIC_POINTS} points or ${Math.round(MIC_SHARE * 100)}% in pain from the first score is the minimal important change (${MIC_SOURCE}).`;

async function showVisits(id) {
  let visits;
  try {
    await loadMic();
    visits = await api('GET', `/api/v1/cases/${encodeURIComponent(id)}/visits`);
  } catch {
    return;
  }
  const res = $('#result');
  if (!res || !Array.isArray(visits) || !visits.length) return;
  const old = $('#visits', res);
  if (old) old.remove();
  res.append(visitsSection(visits));
}

function visitPain(v) {
  const p = ((v.case || {}).answers || {}).pain_intensity;
  return typeof p === 'number' ? p : null;
}

function visitBlock(v) {
  const blocks = (v.report || {}).blocks || [];
  const best = blocks.map((b) => b.best_relief).filter((x) => typeof x === 'number');
  return best.length ? Math.max(...best) : null;
}

function painChart(visits) {
  const pts = visits.map((v, i) => ({ i, pain: visitPain(v), block: visitBlock(v), date: v.visit_date })).filter((p) => p.pain != null);
  if (!pts.length) return h('p', { class: 'hint' }, 'No pain score recorded at any visit yet: enter “Pain intensity (NRS 0–10)” to see pain over time.');
  const W = 320, H = 160, L = 34, B = 130, T = 12, R = 10;
  const n = Math.max(visits.length - 1, 1);
  const x = (i) => L + ((W - L - R) * i) / n;
  const y = (p) => B - ((B - T) * p) / 10;
  const el = svgNode;
  const base = pts[0].pain;
  const target = Math.max(base - MIC_POINTS, base * (1 - MIC_SHARE));
  const svg = el('svg', { viewBox: `0 0 ${W} ${H}`, class: 'pain-chart', role: 'img', 'data-testid': 'pain-chart',
    'aria-label': `Pain over ${visits.length} visits: ${pts.map((p) => `${p.date} ${p.pain}`).join(', ')}; meaningful improvement from the first score is at or below ${target.toFixed(1)}.` });
  for (const v of [0, 5, 10]) {
    svg.append(el('line', { x1: L, x2: W - R, y1: y(v), y2: y(v), class: 'pc-grid' }), el('text', { x: L - 6, y: y(v) + 4, class: 'pc-label', 'text-anchor': 'end' }, String(v)));
  }
  if (base > 0) {
    svg.append(el('line', { x1: L, x2: W - R, y1: y(target), y2: y(target), class: 'pc-mic' }),
      el('text', { x: W - R, y: y(target) - 4, class: 'pc-label', 'text-anchor': 'end' }, 'meaningful improvement'));
  }
  svg.append(el('polyline', { points: pts.map((p) => `${x(p.i)},${y(p.pain)}`).join(' '), class: 'pc-line' }));
  for (const p of pts) {
    const dot = el('circle', { cx: x(p.i), cy: y(p.pain), r: 4, class: 'pc-dot' });
    dot.append(el('title', {}, `${p.date}: pain ${p.pain}/10`));
    svg.append(dot);
  }
  visits.forEach((v, i) => {
    svg.append(el('text', { x: x(i), y: H - 12, class: 'pc-label', 'text-anchor': 'middle' }, (v.visit_date || '').slice(5)));
    const b = visitBlock(v);
    if (b != null) {
      const m = el('path', { d: `M${x(i) - 5},${B + 2} L${x(i) + 5},${B + 2} L${x(i)},${B - 6} Z`, class: 'pc-block' });
      m.append(el('title', {}, `${v.visit_date}: nerve block, best relief ${Math.round(b * 100)}%`));
      svg.append(m);
    }
  });
  return svg;
}

function visitsSection(visits) {
  const first = visitPain(visits[0]);
  const rows = visits.map((v) => {
    const pain = visitPain(v);
    let change = '–';
    if (pain != null && first != null && v !== visits[0]) {
      const d = first - pain;
      const meaningful = d >= MIC_POINTS || (first > 0 && d / first >= MIC_SHARE);
      change = `${d > 0 ? '−' : d < 0 ? '+' : '±'}${Math.abs(d)}${meaningful && d > 0 ? ' (meaningful)' : ''}`;
    }
    const psfs = ((v.outcomes || {}).psfs || []);
    const psfsMean = psfs.length ? (psfs.reduce((a, x) => a + x.score, 0) / psfs.length).toFixed(1) : '–';
    const r = v.report || {};
    const top = (r.differential || [])[0];
    const block = visitBlock(v);
    const tried = ((v.case || {}).treatments_tried || []).map((t) => `${human(t.treatment)} (${t.response})`).join(', ') || '–';
    return h('tr', { 'data-testid': 'visit-row' },
      h('td', {}, v.visit_date || ''),
      h('td', { 'data-label': 'Pain' }, pain == null ? '–' : `${pain}/10`),
      h('td', { 'data-label': 'Change' }, change),
      h('td', { 'data-label': 'PSFS' }, psfsMean, psfs.length ? h('span', { class: 'hint' }, ` (${psfs.map((x) => `${x.activity}: ${x.score}`).join('; ')})`) : null),
      h('td', { 'data-label': 'Urgency' }, (r.triage || {}).level || ''),
      h('td', { 'data-label': 'Leading cause' }, top ? `${top.name || human(top.condition)} ${Math.round(top.probability * 100)}%` : ''),
      h('td', { 'data-label': 'Block' }, block == null ? '–' : `${Math.round(block * 100)}% relief`),
      h('td', { 'data-label': 'Treatments' }, tried),
      h('td', { 'data-label': 'Knowledge base' }, v.kb_version || ''));
  });
  return h('section', { id: 'visits', 'data-testid': 'visits', 'aria-labelledby': 'visits-h' },
    h('h3', { id: 'visits-h' }, `Visits (${visits.length})`),
    h('p', { class: 'hint' }, `Every save of this case is kept as a visit, with its report as it was then. ${micWords()}`),
    painChart(visits),
    h('div', { class: 'table-wrap' }, h('table', { class: 'visits stack' },
      h('caption', {}, 'Visit history'),
      h('thead', {}, h('tr', {}, ['Date', 'Pain', 'Change', 'PSFS', 'Urgency', 'Leading cause', 'Block', 'Treatments', 'Knowledge base'].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, rows))));
}

function clinicianReport(r, note, record) {
  const { findings, conditions } = cl.meta;
  const fmap = new Map(findings.map((f) => [f.id, f]));
  const refs = new Map((r.references || []).map((x) => [x.id, x]));
  const src = (id) => {
    if (!id) return null;
    const ref = refs.get(id);
    // The short citation jumps to the full one in the reference list below.
    return h('a', { href: `#rref-${id}`, title: ref ? ref.citation : id, onclick: (e) => {
      e.preventDefault();
      const li = document.getElementById(`rref-${id}`);
      if (!li) return;
      const det = li.closest('details');
      if (det) det.open = true;
      li.scrollIntoView({ block: 'center' });
      li.classList.add('flash');
    } }, ref ? ref.short || id : id);
  };
  const fl = (id) => (fmap.get(id) || {}).clinician || (fmap.get(id) || {}).label || human(id);

  const res = h('section', { id: 'result', class: 'result clinician-result', 'aria-labelledby': 'result-title', 'data-testid': 'result' });
  append(res, [
    h('div', { class: 'print-only print-head' },
      h('p', {}, h('strong', {}, 'Cluneal assessment'), ` · ${new Date().toLocaleDateString()} · knowledge base ${r.kb_version || ''}`),
      record ? h('p', {}, `Case: ${record.label || record.id}`) : null),
    h('div', { class: 'section-head' },
      h('h2', { id: 'result-title', tabindex: '-1' }, 'Assessment'),
      h('button', { type: 'button', class: 'btn btn-secondary btn-small no-print', id: 'print-button', 'data-testid': 'print-button', onclick: () => window.print() }, 'Print')),
    note ? h('p', { class: 'hint', id: 'result-note' }, note) : null,
    pdfButtons(['clinician', 'patient', 'exercises'], record && record.id ? { caseId: record.id } : { caseBody: clone(cl.assessedCase) }),
    h('p', { class: 'note' }, h('strong', {}, r.disclaimer || '')),
    h('p', { class: 'hint' }, `Setting: ${SETTING_NAMES[r.setting] || human(r.setting || 'default')} · respondent: ${r.respondent || 'clinician'}`),
  ]);

  // Triage
  const t = r.triage;
  const urg = h('section', { id: 'urgency', class: `urgency urgency-${t.level}`, 'data-level': t.level, 'data-testid': 'urgency', 'aria-labelledby': 'urg-h' },
    h('h3', { id: 'urg-h' }, 'Triage: ', badge(t.level), ' ', urgencyOf(t.level).label),
    h('p', {}, t.message));
  if ((t.red_flags || []).length) {
    urg.append(h('ul', { class: 'flags' }, t.red_flags.map((f) => h('li', {},
      h('p', {}, badge(f.urgency), ' ', h('strong', {}, f.name)),
      f.clinician_action ? h('p', {}, f.clinician_action) : null,
      h('p', { class: 'hint' }, 'Because: ', (f.because || []).map(fl).join('; ') || '–', ' · source: ', src(f.source), f.grade ? ` (${GRADE_NAMES[f.grade] || f.grade})` : '')))));
  }
  if (!t.screen_complete) {
    urg.append(h('details', { class: 'unanswered' }, h('summary', {}, `Red-flag screen incomplete: ${(t.unanswered || []).length} items unanswered`),
      h('ul', { class: 'columns' }, (t.unanswered || []).map((id) => h('li', {}, h('button', { type: 'button', class: 'linklike', onclick: () => jumpToFinding(id) }, fl(id)))))));
  } else {
    urg.append(h('p', { class: 'hint' }, 'Red-flag screen complete.'));
  }
  res.append(urg);

  // Differential
  const diff = h('section', { id: 'differential', 'data-testid': 'differential', 'aria-labelledby': 'diff-h' },
    h('h3', { id: 'diff-h' }, 'Differential'),
    h('p', { class: 'hint' }, 'Each condition is scored on its own (prior odds for the setting × likelihood ratios of the answered findings), so the values do not add up to 100%. Open a condition to see the evidence.'));
  for (const d of r.differential || []) {
    const c = conditions.get(d.condition) || {};
    const det = h('details', { class: 'dx', 'data-condition': d.condition, 'data-testid': 'dx' },
      h('summary', {},
        h('span', { class: 'dx-name' }, d.name || c.name || human(d.condition), d.serious ? h('span', { class: 'tag-serious' }, ' serious') : null),
        h('span', { class: 'bar', 'aria-hidden': 'true' }, h('span', { style: { width: `${Math.max(1, Math.round(d.probability * 100))}%` } })),
        h('span', { class: 'dx-p' }, pct(d.probability))));
    det.append(h('p', { class: 'hint' }, `Prior ${pct(d.prior)} `, d.prior_source ? ['(', src(d.prior_source), ')'] : '', d.model && d.model !== 'bayes' ? ` · model: ${d.model}` : ''));
    if (c.clinician_description) det.append(h('p', {}, c.clinician_description));
    det.append(evidenceTable('For', d.evidence_for || [], src), evidenceTable('Against', d.evidence_against || [], src));
    diff.append(det);
  }
  res.append(diff);

  // Criteria
  if ((r.criteria || []).length) {
    res.append(h('section', { id: 'criteria', 'data-testid': 'criteria', 'aria-labelledby': 'crit-h' },
      h('h3', { id: 'crit-h' }, 'SCNE criteria'),
      r.criteria.map((c) => h('div', { class: 'criteria-set', 'data-id': c.id },
        h('h4', {}, c.name),
        h('p', { class: 'hint' }, `${c.met} met · ${c.unmet} not met · ${c.unknown} unknown · source: `, src(c.source), c.grade ? ` (${GRADE_NAMES[c.grade] || c.grade})` : ''),
        h('ul', { class: 'checklist' }, (c.items || []).map((it) => h('li', { class: `st-${it.status}` },
          h('span', { class: 'st-mark', 'aria-hidden': 'true' }, (CRITERION_MARKS[it.status] || CRITERION_MARKS.unknown)[0]),
          h('span', { class: 'visually-hidden' }, `${(CRITERION_MARKS[it.status] || CRITERION_MARKS.unknown)[1]}: `),
          it.text, it.reason ? h('span', { class: 'hint crit-reason' }, ` — ${it.reason}`) : null)))))));
  }

  // Next questions
  if ((r.next_questions || []).length) {
    res.append(h('section', { id: 'next-questions', 'aria-labelledby': 'nq-h' },
      h('h3', { id: 'nq-h' }, 'Most useful next questions'),
      r.interview ? h('p', { class: 'hint' }, r.interview.settled ? `Settled: ${r.interview.reason}` : `Not settled: ${r.interview.reason}`) : null,
      h('ol', {}, r.next_questions.map((q) => h('li', {},
        h('button', { type: 'button', class: 'linklike', onclick: () => jumpToFinding(q.finding) }, q.question || fl(q.finding)),
        q.red_flag ? [' ', badge('urgent', 'red flag')] : null,
        q.reason ? h('span', { class: 'hint block' }, q.reason) : null)))));
  }

  // Work-up
  if ((r.workup || []).length) {
    res.append(h('section', { id: 'workup', 'data-testid': 'workup', 'aria-labelledby': 'wu-h' },
      h('h3', { id: 'wu-h' }, 'Work-up'),
      h('ol', { class: 'workup' }, r.workup.map((w) => h('li', {},
        h('p', {}, h('strong', {}, w.name), ` (${w.kind})`),
        w.reason ? h('p', { class: 'hint' }, w.reason) : null,
        h('details', {}, h('summary', {}, 'When and how', h('span', { class: 'visually-hidden' }, `: ${w.name}`)), h('p', {}, w.when), w.patient_explanation ? h('p', {}, h('em', {}, 'For the patient: '), w.patient_explanation) : null,
          (w.sources || []).length ? h('p', { class: 'hint' }, 'Sources: ', w.sources.map((s, i) => [i ? ', ' : '', src(s)])) : null))))));
  }

  // Blocks
  if ((r.blocks || []).length) {
    res.append(h('section', { id: 'blocks', 'data-testid': 'blocks', 'aria-labelledby': 'bl-h' },
      h('h3', { id: 'bl-h' }, 'Nerve block interpretation'),
      r.blocks.map((b, i) => h('div', { class: 'block-result', 'data-result': b.result },
        h('h4', {}, b.name, ': ', h('span', { class: `result-tag result-${b.result}` }, BLOCK_RESULTS[b.result] || human(b.result))),
        blockChart(b, i),
        h('p', {}, b.reason),
        h('p', {}, b.next),
        blockTable(b),
        (b.patient_expectations || []).length ? h('details', {}, h('summary', {}, 'What to tell the patient'), h('ul', {}, b.patient_expectations.map((x) => h('li', {}, x)))) : null,
        (b.sources || []).length ? h('p', { class: 'hint' }, 'Sources: ', b.sources.map((s, j) => [j ? ', ' : '', src(s)])) : null))));
  }

  // Plan
  const plan = r.plan || {};
  const planSec = h('section', { id: 'plan', 'data-testid': 'plan', 'aria-labelledby': 'plan-h' },
    h('h3', { id: 'plan-h' }, 'Plan', plan.focus_name ? `: ${plan.focus_name}` : ''),
    plan.on_hold ? h('p', { class: 'on-hold' }, h('strong', {}, 'On hold: '), 'the warning signs come first.') : null,
    plan.summary ? h('p', { class: 'lead' }, plan.summary) : null);
  if ((plan.steps || []).length) {
    planSec.append(h('ol', { class: 'steps' }, plan.steps.map((s) => h('li', { class: `step step-${s.status}`, 'data-status': s.status, 'aria-current': s.id === plan.current_step ? 'step' : null },
      h('p', {}, h('span', { class: `status status-${s.status}` }, STATUS_NAMES[s.status] || human(s.status)), ' ', h('strong', {}, s.name), s.reason ? h('span', { class: 'hint' }, ` · ${s.reason.replace(/`([a-z0-9_]+)`/g, (m, id) => fl(id))}`) : null),
      (s.treatments || []).length ? h('p', { class: 'treatments' }, s.treatments.map((x, i) => [i ? ', ' : '', x.name, x.tried ? h('em', {}, ` (tried: ${x.tried})`) : ''])) : null,
      h('details', {}, h('summary', {}, 'Details', h('span', { class: 'visually-hidden' }, `: ${s.name}`)),
        s.entry ? h('p', {}, h('strong', {}, 'When: '), s.entry) : null,
        s.move_on_when ? h('p', {}, h('strong', {}, 'Move on when: '), s.move_on_when) : null,
        s.patient_summary ? h('p', {}, h('em', {}, 'For the patient: '), s.patient_summary) : null)))));
  }
  if (plan.management) planSec.append(h('p', {}, h('strong', {}, 'Management: '), plan.management));
  if (plan.referral) planSec.append(h('p', {}, h('strong', {}, 'Referral: '), plan.referral));
  res.append(planSec);

  // Exercises
  const exSec = h('section', { id: 'exercises', 'data-testid': 'exercises', 'aria-labelledby': 'ex-h' }, h('h3', { id: 'ex-h' }, 'Exercise programme'));
  if ((plan.exercises || []).length) exSec.append(h('div', { class: 'exercise-list' }, plan.exercises.map((e) => exerciseCard(e))));
  else exSec.append(h('p', { class: 'hint' }, 'No exercise is suggested for this case.'));
  if ((plan.exercises_withheld || []).length) {
    exSec.append(h('div', { class: 'withheld', id: 'exercises-withheld', 'data-testid': 'exercises-withheld' }, h('h4', {}, 'Withheld'),
      h('ul', {}, plan.exercises_withheld.map((w) => h('li', {}, h('strong', {}, w.name), ': ', w.reason)))));
  }
  res.append(exSec);

  // Self-care & seek care, compact
  const care = [...(plan.self_care || []), ...(plan.long_term || []), ...(plan.prevention || [])];
  if (care.length || (plan.seek_care || []).length) {
    res.append(h('section', { id: 'self-care', 'aria-labelledby': 'sc-h' }, h('h3', { id: 'sc-h' }, 'Self-care and safety-netting'),
      care.map((s) => h('details', {}, h('summary', {}, s.name), paras(s.text))),
      (plan.seek_care || []).map((s) => h('details', {}, h('summary', {}, s.urgency ? badge(s.urgency) : null, ' ', s.name), paras(s.text)))));
  }

  if ((r.notes || []).length) res.append(h('section', { id: 'notes', 'aria-labelledby': 'notes-h' }, h('h3', { id: 'notes-h' }, 'Notes'), h('ul', {}, r.notes.map((n) => h('li', {}, typeof n === 'string' ? n : JSON.stringify(n))))));

  if ((r.references || []).length) {
    res.append(h('section', { id: 'references', 'data-testid': 'references', 'aria-labelledby': 'refs-h' },
      h('details', {}, h('summary', {}, h('h3', { id: 'refs-h', class: 'inline-h' }, `References (${r.references.length})`)),
        h('ol', { class: 'refs' }, r.references.map((x) => h('li', { id: `rref-${x.id}` }, x.citation, ' ', x.url ? h('a', { href: x.url, target: '_blank', rel: 'noopener noreferrer' }, 'link', h('span', { class: 'visually-hidden' }, ` to ${x.id}`)) : null, h('span', { class: 'hint' }, ` [${x.id}]`)))))));
  }
  return res;
}

function evidenceTable(title, items, src) {
  if (!items.length) return h('p', { class: 'hint' }, `${title}: none.`);
  return h('div', { class: 'table-wrap' }, h('table', { class: 'evidence stack' },
    h('caption', {}, `Evidence ${title.toLowerCase()}`, h('span', { class: 'hint caption-note' }, ' · LR: how much more likely the answer is with this condition than without it; Weight: the share that counts when overlapping findings are grouped (1 = in full); Effect: what it multiplied the odds by.')),
    h('thead', {}, h('tr', {}, ['Finding', 'Answer', 'LR', 'Weight', 'Effect', 'Source', 'Grade'].map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, items.map((e) => h('tr', {},
      h('td', { class: 'ev-finding' }, findingLabel(e.finding), e.origin && e.origin !== 'answer' ? h('span', { class: 'hint' }, ` (${e.origin})`) : null),
      h('td', { 'data-label': 'Answer' }, answerWord(e.answer)),
      h('td', { 'data-label': 'LR' }, fmtNum(e.likelihood_ratio)),
      h('td', { 'data-label': 'Weight' }, e.weight == null ? '–' : fmtNum(e.weight)),
      h('td', { 'data-label': 'Effect' }, `×${fmtNum(e.effective_ratio)}`),
      h('td', { 'data-label': 'Source' }, src(e.source)),
      h('td', { 'data-label': 'Grade' }, GRADE_NAMES[e.grade] || e.grade || ''))))));
}

function blockTable(b) {
  return h('div', { class: 'table-wrap' }, h('table', { class: 'readings-table' },
    h('caption', {}, `Pain readings (pain before: ${fmtNum(b.pain_before)})`),
    h('thead', {}, h('tr', {}, ['Time', 'Pain', 'Relief', 'In window'].map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, (b.readings || []).map((r) => h('tr', {},
      h('td', {}, timeLabel(r.minutes)), h('td', {}, fmtNum(r.pain)), h('td', {}, pct(r.relief)), h('td', {}, r.in_window ? 'yes' : 'no'))))));
}

function timeLabel(min) {
  if (min == null) return '–';
  if (min >= 120 && min % 60 === 0) return `${min / 60} h`;
  if (min >= 90) return `${fmtNum(min / 60, 1)} h`;
  return `${fmtNum(min, 0)} min`;
}

/** Inline SVG chart: pain over time after a block, with the reading window and thresholds. */
function blockChart(b, idx) {
  const s = svgNode;
  const W = window.innerWidth < 640 ? 340 : 560, H = window.innerWidth < 640 ? 240 : 260, L = 40, R = 36, T = 16, B = 44;
  const readings = b.readings || [];
  const maxT = Math.max(b.window_end_minutes || 0, ...readings.map((r) => r.minutes || 0), 60) * 1.08;
  const x = (m) => L + (m / maxT) * (W - L - R);
  const y = (p) => T + (1 - p / 10) * (H - T - B);
  const id = idx === 0 ? 'block-chart' : `block-chart-${idx + 1}`;
  const titleId = `${id}-title`;
  const descId = `${id}-desc`;
  const before = b.pain_before ?? 0;
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'block-chart', id, role: 'img', 'aria-labelledby': `${titleId} ${descId}`, 'data-testid': 'block-chart' });
  const pts = [[0, before], ...readings.map((r) => [r.minutes, r.pain])];
  svg.append(
    s('title', { id: titleId }, `Pain over time after the ${b.name || 'block'}`),
    s('desc', { id: descId }, `Pain ${fmtNum(before)} before the injection; ${readings.map((r) => `${fmtNum(r.pain)} at ${timeLabel(r.minutes)}`).join(', ')}. Reading window ${timeLabel(b.window_start_minutes)} to ${timeLabel(b.window_end_minutes)}. Best relief ${pct(b.best_relief)}: ${b.result}.`),
  );
  // window
  if (b.window_start_minutes != null && b.window_end_minutes != null) {
    svg.append(s('rect', { x: x(b.window_start_minutes), y: T, width: Math.max(1, x(b.window_end_minutes) - x(b.window_start_minutes)), height: H - T - B, class: 'bc-window' }));
    svg.append(s('text', { x: (x(b.window_start_minutes) + x(Math.min(b.window_end_minutes, maxT))) / 2, y: T + 14, 'text-anchor': 'middle', class: 'bc-label' }, 'reading window'));
  }
  // grid + axes
  for (let p = 0; p <= 10; p += 2) {
    svg.append(s('line', { x1: L, x2: W - R, y1: y(p), y2: y(p), class: 'bc-grid' }));
    svg.append(s('text', { x: L - 8, y: y(p) + 4, 'text-anchor': 'end', class: 'bc-tick' }, String(p)));
  }
  const maxTicks = Math.max(3, Math.floor((W - L - R) / 58));
  const step = [15, 30, 60, 120, 240, 480, 1440].find((st) => maxT / st <= maxTicks) || 2880;
  for (let m = 0; m <= maxT; m += step) {
    svg.append(s('text', { x: x(m), y: H - B + 16, 'text-anchor': 'middle', class: 'bc-tick' }, timeLabel(m)));
  }
  svg.append(s('line', { x1: L, x2: L, y1: T, y2: H - B, class: 'bc-axis' }), s('line', { x1: L, x2: W - R, y1: H - B, y2: H - B, class: 'bc-axis' }));
  svg.append(s('text', { x: (L + W - R) / 2, y: H - 6, 'text-anchor': 'middle', class: 'bc-axis-label' }, 'time after the injection'));
  svg.append(s('text', { x: 12, y: (T + H - B) / 2, 'text-anchor': 'middle', class: 'bc-axis-label', transform: `rotate(-90 12 ${(T + H - B) / 2})` }, 'pain (0–10)'));
  // thresholds: pain level at which relief reaches each threshold
  const thr = [[b.positive_threshold, 'bc-thr-pos', 'positive'], [b.inconclusive_threshold, 'bc-thr-inc', 'inconclusive']];
  for (const [t, cls, name] of thr) {
    if (t == null || !before) continue;
    const p = before * (1 - t);
    svg.append(s('line', { x1: L, x2: W - R, y1: y(p), y2: y(p), class: cls }));
    const tx = s('text', { x: W - R + 4, y: y(p) + (name === 'positive' ? 10 : -2), 'text-anchor': 'start', class: `bc-label ${cls}-text` }, `${Math.round(t * 100)}%`);
    tx.append(s('title', {}, `${Math.round(t * 100)}% relief (${name}): pain ${fmtNum(p, 1)} or less`));
    svg.append(tx);
  }
  // line and points
  const valid = pts.filter(([m, p]) => m != null && p != null).sort((a, c) => a[0] - c[0]);
  svg.append(s('polyline', { points: valid.map(([m, p]) => `${x(m)},${y(p)}`).join(' '), class: 'bc-line' }));
  svg.append(s('circle', { cx: x(0), cy: y(before), r: 5, class: 'bc-before' }));
  for (const r of readings) {
    if (r.minutes == null || r.pain == null) continue;
    svg.append(s('circle', { cx: x(r.minutes), cy: y(r.pain), r: 5, class: r.in_window ? 'bc-pt-in' : 'bc-pt-out' }));
  }
  const fig = h('figure', { class: 'chart' });
  fig.append(svg, h('figcaption', { class: 'hint' }, `Filled dots: readings inside the shaded reading window; open dots: outside it. The grey dot is the pain before the injection (time 0). Dashed lines: pain levels that reach the positive (${pct(b.positive_threshold)} relief, pain ≤ ${fmtNum(before * (1 - (b.positive_threshold || 0)), 1)}) and inconclusive (${pct(b.inconclusive_threshold)}, pain ≤ ${fmtNum(before * (1 - (b.inconclusive_threshold || 0)), 1)}) thresholds.`));
  return fig;
}

function jumpToFinding(id) {
  const el = $(`#f-${CSS.escape(id)}`);
  if (!el) return;
  const det = el.closest('details');
  if (det) det.open = true;
  const target = el.matches('.seg') ? $('input:checked', el) || $('input', el) : el;
  target.scrollIntoView({ block: 'center' });
  target.focus();
}

// ---------------------------------------------------------------------------
// Learn

let learnRoot = null;

routes.learn = async (view, arg) => {
  if (!learnRoot) learnRoot = await buildLearn();
  view.append(learnRoot);
  if (arg) {
    const target = $(`#${CSS.escape(arg)}`) || $(`#topic-${CSS.escape(arg)}`);
    if (target) {
      const hd = $('h2', target) || target;
      hd.setAttribute('tabindex', '-1');
      hd.scrollIntoView({ block: 'start' });
      hd.focus({ preventScroll: true });
    }
  }
};

async function buildLearn() {
  const [topics, comparison, exercises, redFlags, selfCare, references] = await Promise.all([
    kb('education'), kb('comparison').catch(() => []), kb('exercises').catch(() => []),
    kb('red_flags').catch(() => []), kb('self_care').catch(() => []), kb('references').catch(() => []),
  ]);
  const refMap = new Map(references.map((r) => [r.id, r]));
  const root = h('div', { class: 'view-root learn', id: 'learn' });
  const sorted = [...topics].sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
  root.append(h('h1', {}, 'Learn about superior cluneal nerve entrapment'),
    h('p', { class: 'lead' }, 'Plain-language information, written from published sources. It supports, and does not replace, advice from your own clinician.'));
  const toc = h('nav', { id: 'learn-toc', class: 'toc', 'aria-label': 'Topics on this page' },
    h('ul', {},
      sorted.map((t) => h('li', {}, h('a', { href: `#/learn/topic-${t.id}` }, t.title))),
      h('li', {}, h('a', { href: '#/learn/learn-exercises' }, 'Exercises with pictures')),
      h('li', {}, h('a', { href: '#/learn/learn-self-care' }, 'Self-care and massage')),
      h('li', {}, h('a', { href: '#/learn/learn-red-flags' }, 'Warning signs')),
      h('li', {}, h('a', { href: '#/learn/learn-references' }, 'References'))));
  root.append(toc);

  const refLinks = (ids) => (ids || []).length
    ? h('p', { class: 'sources hint' }, 'Sources: ', ids.map((id, i) => {
      const ref = refMap.get(id);
      return [i ? ', ' : '', ref && ref.url ? h('a', { href: ref.url, target: '_blank', rel: 'noopener noreferrer', title: ref.citation }, id) : id];
    }))
    : null;

  for (const t of sorted) {
    const sec = h('section', { class: 'topic', id: `topic-${t.id}`, 'data-testid': 'topic', 'aria-labelledby': `topic-${t.id}-h` },
      h('h2', { id: `topic-${t.id}-h` }, t.title));
    for (const s of t.sections || []) {
      if (s.heading) sec.append(h('h3', {}, s.heading));
      sec.append(...paras(s.text));
    }
    if (t.id === 'comparison' && comparison.length) sec.append(comparisonTable(comparison));
    append(sec, [refLinks(t.sources)]);
    root.append(sec);
  }
  if (!sorted.some((t) => t.id === 'comparison') && comparison.length) {
    root.append(h('section', { class: 'topic', id: 'topic-comparison', 'aria-labelledby': 'cmp-h' }, h('h2', { id: 'cmp-h' }, 'SCNE, SGNE and nerve entrapment'), comparisonTable(comparison)));
  }

  root.append(h('section', { class: 'topic', id: 'learn-exercises', 'aria-labelledby': 'lex-h' },
    h('h2', { id: 'lex-h' }, 'Exercises with pictures'),
    h('p', {}, 'These are the exercises Cluneal can suggest. Your own programme depends on your answers: some exercises are not right for everyone. Stop any exercise that brings on your usual pain.'),
    h('div', { class: 'exercise-list' }, exercises.map((e) => exerciseCard(e, { headingLevel: 'h3', full: true })))));

  const kinds = [['self_care', 'Self-care'], ['massage', 'Massage'], ['long_term', 'Long-term care'], ['prevention', 'Prevention'], ['seek_care', 'When to get help']];
  root.append(h('section', { class: 'topic', id: 'learn-self-care', 'aria-labelledby': 'lsc-h' },
    h('h2', { id: 'lsc-h' }, 'Self-care and massage'),
    kinds.map(([k, title]) => {
      const items = selfCare.filter((x) => x.kind === k);
      if (!items.length) return null;
      return [h('h3', {}, title), items.map((x) => h('details', { class: 'care-item' }, h('summary', {}, x.urgency && k === 'seek_care' ? [badge(x.urgency), ' '] : null, x.name),
        paras(x.text),
        (x.steps || []).length ? h('ul', {}, x.steps.map((s) => h('li', {}, s))) : null,
        (x.cautions || []).length ? [h('p', {}, h('strong', {}, 'Take care')), h('ul', { class: 'cautions' }, x.cautions.map((s) => h('li', {}, s)))] : null))];
    })));

  const order = ['emergency', 'urgent', 'soon', 'routine'];
  root.append(h('section', { class: 'topic', id: 'learn-red-flags', 'aria-labelledby': 'lrf-h', 'data-testid': 'red-flags' },
    h('h2', { id: 'lrf-h' }, 'Warning signs'),
    h('p', {}, 'Cluneal checks for these first. Each one comes with what to do.'),
    order.map((lvl) => {
      const items = redFlags.filter((f) => f.urgency === lvl);
      if (!items.length) return null;
      return h('div', { class: `rf-group rf-${lvl}` }, h('h3', {}, badge(lvl), ' ', urgencyOf(lvl).label),
        h('ul', {}, items.map((f) => h('li', {}, h('strong', {}, f.name), f.patient_action ? h('span', { class: 'block' }, f.patient_action) : null))));
    })));

  root.append(h('section', { class: 'topic', id: 'learn-references', 'aria-labelledby': 'lref-h', 'data-testid': 'references' },
    h('h2', { id: 'lref-h' }, 'References'),
    h('ol', { class: 'refs' }, references.map((r) => h('li', { id: `ref-${r.id}` }, r.citation, ' ',
      r.url ? h('a', { href: r.url, target: '_blank', rel: 'noopener noreferrer' }, 'Open', h('span', { class: 'visually-hidden' }, ` ${r.id}`)) : null,
      h('span', { class: 'hint' }, ` [${r.id}]`))))));
  return root;
}

function comparisonTable(rows) {
  const v = (x) => (x == null ? '–' : Array.isArray(x) ? x.join(', ') : cap(String(x)));
  return h('div', { class: 'table-wrap', id: 'comparison', tabindex: '0', role: 'region', 'aria-labelledby': 'comparison-caption' },
    h('table', { class: 'comparison stack', id: 'comparison-table', 'data-testid': 'comparison-table' },
      h('caption', { id: 'comparison-caption' }, 'How the conditions compare'),
      h('thead', {}, h('tr', {}, ['Condition', 'Numbness or tingling', 'Muscle weakness', 'Where it hurts', 'Main tests'].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, rows.map((r) => h('tr', {},
        h('th', { scope: 'row' }, r.name),
        h('td', { 'data-label': 'Numbness or tingling:' }, v(r.sensory)), h('td', { 'data-label': 'Muscle weakness:' }, v(r.motor_deficit)),
        h('td', { 'data-label': 'Where it hurts:' }, v(r.pain_location)), h('td', { 'data-label': 'Main tests:' }, v(r.key_tools)))))));
}

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
