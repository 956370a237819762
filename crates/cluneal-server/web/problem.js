// API problems (problem+json) shown in a container, with the fields they name marked.

import { $, $$, h, append, uid, human } from './dom.js';
import { ApiError } from './api.js';
// The findings in the clinician's words, once the clinician screen has loaded
// them: an error path through `answers` is then named as the form names it.
let pathFindings = [];
export function namePathFindings(findings) {
  pathFindings = findings;
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
      const f = pathFindings.find((x) => x.id === n);
      out.push(f ? (f.clinician || f.label) : human(n)); i++;
    } else out.push(human(k).toLowerCase().replace(/^./, (c) => c.toUpperCase()));
  }
  return out.join(', ').replace(/, (pain|minutes|hours|pain before|response|weeks|treatment|protocol|guidance|side|agent)$/i, ': $1');
}

/** Show an API problem (problem+json) in a container, and mark fields by error path. */
export function showProblem(box, err, fieldFor) {
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
export function clearProblem(box) {
  box.replaceChildren();
  box.hidden = true;
  const root = box.closest('.view-root') || document;
  for (const m of $$('.field-error', root)) m.remove();
  for (const f of $$('[aria-invalid="true"]', root)) {
    f.removeAttribute('aria-invalid');
    f.removeAttribute('aria-describedby');
  }
}
