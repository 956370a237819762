// Visits of a saved case: every save kept, pain over time, outcome measures.

import { $, h, human, svgNode } from './dom.js';
import { api } from './api.js';
import { kb, kbMap, shortCite } from './knowledge.js';

// The minimal important change in pain: from the knowledge base (`outcomes` in
// kb.toml, with its source), read before any chart is drawn.
export let MIC_POINTS = NaN;
export let MIC_SHARE = NaN;
let MIC_SOURCE = '';
export async function loadMic() {
  const o = (await kb()).outcomes;
  MIC_POINTS = o.pain_mic_points.value;
  MIC_SHARE = o.pain_mic_share.value;
  const id = o.pain_mic_points.source;
  MIC_SOURCE = shortCite((await kbMap('references')).get(id), id);
}
const micWords = () => `A fall of ${MIC_POINTS} points or ${Math.round(MIC_SHARE * 100)}% in pain from the first score is the minimal important change (${MIC_SOURCE}).`;

export async function showVisits(id) {
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
