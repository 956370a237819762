// Clinician mode: the case form, saved cases, and the report with its visits and diary.

import { $, $$, h, human, fmtDate } from './dom.js';
import { getToken, setToken, onUnauthorized, ApiError, api } from './api.js';
import { kb, kbMap, hydrateReport } from './knowledge.js';
import { showProblem, clearProblem, namePathFindings } from './problem.js';
import { RESPONSES, settingName, badge, range } from './vocabulary.js';
import { routes } from './router.js';
import { showVisits } from './visits.js';
import { showDiary } from './diary.js';
import { clinicianReport } from './clinician-report.js';

export const cl = {
  root: null, // the built view, kept while navigating
  record: null, // the saved record being edited
  extraAnswers: {}, // answers the form has no control for (kept on save)
  session: null,
};

function askForToken() {
  const panel = $('#auth-panel');
  if (panel) {
    panel.hidden = false;
    const msg = $('#auth-message');
    if (msg) msg.textContent = getToken() ? 'The server did not accept this token. Please check it and try again.' : 'This server needs an access token for saved cases.';
  }
}

onUnauthorized(askForToken);

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
  namePathFindings(findings);
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

// The setting choice with a hint that says what the chosen setting covers.
function settingField(careSettings, defaultSetting, field) {
  const select = field.querySelector('select');
  const hint = h('p', { class: 'hint', id: 'c-setting-covers', 'aria-live': 'polite' });
  const show = () => {
    const chosen = careSettings.find((s) => s.id === (select.value || defaultSetting));
    hint.textContent = chosen ? chosen.covers : '';
  };
  select.setAttribute('aria-describedby', 'c-setting-covers');
  select.addEventListener('change', show);
  // Loading a saved case sets the value without a change event.
  select.addEventListener('cl-set', show);
  show();
  field.append(hint);
  return field;
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
  // Each setting's priors come from its kinds of practice: the hint below the
  // choice says which, so a rheumatology or pain clinic knows where it belongs.
  const careSettings = meta.care_settings || [];
  const settings = careSettings.map((s) => [s.id, s.name]);
  form.append(h('fieldset', { class: 'card details-grid', id: 'case-details' },
    h('legend', {}, 'Patient and setting'),
    h('div', { class: 'field field-wide' }, h('label', { for: 'c-label' }, 'Label (optional, do not enter names)'), h('input', { type: 'text', id: 'c-label', 'data-path': 'label', maxlength: '200', autocomplete: 'off' })),
    num('c-age', 'Age (years)', 'age', range('age')),
    sel('c-sex', 'Sex', [['', 'Not recorded'], ['female', 'Female'], ['male', 'Male'], ['other', 'Other']], 'sex'),
    settingField(careSettings, meta.default_setting, sel('c-setting', 'Setting', [['', `Default (${settingName(meta, meta.default_setting)})`], ...settings], 'setting')),
    num('c-duration', 'Duration (weeks)', 'duration_weeks', range('weeks')),
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
        h('input', { type: 'number', id: `${p}-before`, 'data-key': 'pain_before', ...range('pain'), step: 'any', inputmode: 'decimal', value: rec.pain_before ?? '' })),
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
      h('input', { type: 'number', id: `${p}-pain`, 'data-key': 'pain', ...range('pain'), step: 'any', inputmode: 'decimal', value: r.pain ?? '' })),
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
      h('input', { type: 'number', id: `${p}-weeks`, 'data-key': 'weeks', ...range('weeks'), step: 'any', inputmode: 'decimal', value: t.weeks ?? '' })),
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
  $('#c-setting', form).dispatchEvent(new Event('cl-set'));
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

async function showClinicianReport(report, { note, record } = {}) {
  const r = await hydrateReport(report);
  const slot = $('#result-slot');
  slot.replaceChildren(clinicianReport(r, note, record, cl.meta, cl.assessedCase));
  const t = $('#result-title');
  if (t) { t.focus(); t.scrollIntoView({ block: 'start' }); }
  if (record && record.id) {
    showVisits(record.id);
    showDiary(record.id);
  }
}
