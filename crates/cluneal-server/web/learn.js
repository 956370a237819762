// Learn: the knowledge base's education topics, exercises, self-care and warning signs.

import { $, h, append, paras, cap } from './dom.js';
import { kb } from './knowledge.js';
import { urgencyOf, badge } from './vocabulary.js';
import { exerciseCard } from './exercises.js';
import { routes } from './router.js';

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
