// Patient diary: the clinician's side (links, entries, charts) and the
// patient's side, opened by the link.

import { $, $$, h, svgNode } from './dom.js';
import { ApiError, api } from './api.js';
import { showProblem, clearProblem } from './problem.js';
import { routes } from './router.js';
import { MIC_POINTS, MIC_SHARE, loadMic } from './visits.js';

export async function showDiary(id) {
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
