// The clinician's report: triage, differential with its evidence, criteria,
// next questions, work-up, block charts, plan, exercises and references.

import { $, h, append, paras, human, pct, fmtNum, clone, svgNode } from './dom.js';
import { pdfButtons } from './pdf.js';
import { findingLabel } from './knowledge.js';
import { urgencyOf, settingName, STATUS_NAMES, CRITERION_MARKS, BLOCK_RESULTS, GRADE_NAMES, badge, answerWord } from './vocabulary.js';
import { exerciseCard } from './exercises.js';

/**
 * The report `r` as a section. `meta` is the clinician screen's knowledge
 * (findings, conditions); `assessedCase` is the case the PDF buttons send when
 * the report is of no saved record.
 */
export function clinicianReport(r, note, record, { meta, findings, conditions }, assessedCase) {
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
    pdfButtons(['clinician', 'patient', 'exercises'], record && record.id ? { caseId: record.id } : { caseBody: clone(assessedCase) }),
    h('p', { class: 'note' }, h('strong', {}, r.disclaimer || '')),
    h('p', { class: 'hint' }, `Setting: ${settingName(meta, r.setting)} · respondent: ${r.respondent || 'clinician'}`),
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

  // Must not miss: serious causes something in the case points to, above the
  // ranking whatever their rank; then conditions a telltale finding raises.
  if ((r.must_not_miss || []).length) {
    const flagName = (id) => ((t.red_flags || []).find((f) => f.id === id) || {}).name || human(id);
    res.append(h('section', { id: 'must-not-miss', class: 'must-not-miss', 'data-testid': 'must-not-miss', 'aria-labelledby': 'mnm-h' },
      h('h3', { id: 'mnm-h' }, 'Must not miss'),
      h('p', { class: 'hint' }, 'Serious causes that something in the case points to, whatever their rank below.'),
      h('ul', {}, r.must_not_miss.map((m) => h('li', { 'data-condition': m.condition },
        h('p', {}, h('strong', {}, m.name), ` ${pct(m.probability)} · rank ${m.rank}`),
        (m.findings || []).length ? h('p', { class: 'hint' }, 'For it: ', m.findings.map(fl).join('; ')) : null,
        (m.red_flags || []).length ? h('p', { class: 'hint' }, 'Red flag: ', m.red_flags.map(flagName).join('; ')) : null)))));
  }
  if ((r.ask_about || []).length) {
    res.append(h('section', { id: 'ask-about', 'data-testid': 'ask-about', 'aria-labelledby': 'ask-h' },
      h('h3', { id: 'ask-h' }, 'Consider'),
      h('p', { class: 'hint' }, 'A telltale finding is present, whatever the rank.'),
      h('ul', {}, r.ask_about.map((a) => h('li', { 'data-condition': a.condition },
        h('strong', {}, a.name), ` ${pct(a.probability)} · rank ${a.rank} · `, (a.findings || []).map(fl).join('; '))))));
  }

  // Differential
  const diff = h('section', { id: 'differential', 'data-testid': 'differential', 'aria-labelledby': 'diff-h' },
    h('h3', { id: 'diff-h' }, 'Differential'),
    h('p', { class: 'hint' }, r.differential_model === 'independent'
      ? 'Each condition is scored on its own (prior odds for the setting × likelihood ratios of the answered findings), so the values do not add up to 100%. Open a condition to see the evidence.'
      : 'The causes and “no specific cause” share one distribution: each starts from its prior for the setting and is multiplied, per answered finding, by how often the answer occurs with it against back, buttock and hip pain in general. A cause that often coexists with another (SCNE with MCNE) counts in both, so the list can add up to a little over 100%. Open a condition to see the evidence.'),
    r.picture ? h('p', { class: 'picture', 'data-testid': 'picture', 'data-open': String(!!r.picture.open) }, r.picture.message) : null);
  for (const d of r.differential || []) {
    const c = conditions.get(d.condition) || {};
    const det = h('details', { class: 'dx', 'data-condition': d.condition, 'data-testid': 'dx' },
      h('summary', {},
        h('span', { class: 'dx-name' }, d.name || c.name || human(d.condition), d.serious ? h('span', { class: 'tag-serious' }, ' serious') : null),
        h('span', { class: 'bar', 'aria-hidden': 'true' }, h('span', { style: { width: `${Math.max(1, Math.round(d.probability * 100))}%` } })),
        h('span', { class: 'dx-p' }, pct(d.probability))));
    det.append(h('p', { class: 'hint' }, `Prior ${pct(d.prior)} `, d.prior_source ? ['(', src(d.prior_source), ')'] : '', d.model && d.model !== 'bayes' ? ` · model: ${d.model}` : ''));
    if (d.presentation) {
      const v = (c.variants || []).find((x) => x.id === d.presentation);
      det.append(h('p', { class: 'hint', 'data-testid': 'presentation' }, `Fits best: ${v ? v.name : human(d.presentation)} (the evidence below is this presentation's)`));
    }
    if (c.clinician_description) det.append(h('p', {}, c.clinician_description));
    det.append(evidenceTable('For', d.evidence_for || [], src, r.differential_model), evidenceTable('Against', d.evidence_against || [], src, r.differential_model));
    diff.append(det);
  }
  // A conclusion, not a rival: apart from the ranked causes.
  if (r.no_specific_cause) {
    diff.append(h('p', { class: 'no-specific', id: 'no-specific', 'data-testid': 'no-specific' },
      h('strong', {}, 'No specific cause found: '), pct(r.no_specific_cause.probability),
      h('span', { class: 'hint' }, ` (${r.no_specific_cause.name}; shown apart from the causes above)`)));
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

function evidenceTable(title, items, src, model) {
  if (!items.length) return h('p', { class: 'hint' }, `${title}: none.`);
  const ratio = model === 'independent'
    ? 'LR: how much more likely the answer is with this condition than without it'
    : 'LR: how much more often the answer occurs with this condition than in back, buttock and hip pain in general (the finding’s background)';
  return h('div', { class: 'table-wrap' }, h('table', { class: 'evidence stack' },
    h('caption', {}, `Evidence ${title.toLowerCase()}`, h('span', { class: 'hint caption-note' }, ` · ${ratio}; Weight: the share that counts when overlapping findings are grouped (1 = in full); Effect: the factor it applied.`)),
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
