// Patient self-check: one question at a time, then a summary to print.

import { $, $$, h, paras, human, pct, clone } from './dom.js';
import { ApiError, api } from './api.js';
import { pdfButtons } from './pdf.js';
import { findingLabel, kb, kbMap, hydrateReport } from './knowledge.js';
import { showProblem, clearProblem } from './problem.js';
import { urgencyOf, badge, answerWord, range, BAND_NAMES } from './vocabulary.js';
import { exerciseCard } from './exercises.js';
import { guidePicture, createBodyMap, REGIONS } from './pictures.js';
import { routes, parseHash } from './router.js';

const SC_KEY = 'cluneal.selfcheck';
export const sc = {
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
      h('input', { type: 'number', id: 'age', name: 'age', ...range('age'), step: '1', inputmode: 'numeric', autocomplete: 'off', value: c.age ?? '' })),
    h('fieldset', { class: 'field' },
      h('legend', {}, 'Your sex'),
      h('div', { class: 'radio-row' }, sexes.map(([v, label]) => h('label', { class: 'radio' },
        h('input', { type: 'radio', name: 'sex', id: `sex-${v || 'unsaid'}`, value: v, checked: (c.sex || '') === v }), ' ', label)))),
    h('div', { class: 'field' },
      h('label', { for: 'duration-weeks' }, 'How many weeks have you had this pain?'),
      h('p', { class: 'hint', id: 'duration-hint' }, 'A rough number is fine. 1 month is about 4 weeks; 1 year is 52 weeks.'),
      h('input', { type: 'number', id: 'duration-weeks', name: 'duration_weeks', ...range('weeks'), step: 'any', inputmode: 'decimal', 'aria-describedby': 'duration-hint', value: c.duration_weeks ?? '' })),
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
      r.differential_model === 'independent'
        ? 'Each condition is worked out on its own, and more than one can be true at once, so they do not add up to 100%. '
        : 'The chances are shared out among all the possible causes; only the top three are shown, so they need not add up to 100%. ',
      'They can change a lot once a clinician has examined you.'));
  const ol = h('ol', { class: 'condition-list' });
  for (const d of top) {
    const c = conditions.get(d.condition) || {};
    // The engine names the band from the knowledge base's thresholds (kb.toml).
    const word = BAND_NAMES[d.band] || BAND_NAMES.less_likely;
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
