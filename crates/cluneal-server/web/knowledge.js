// The knowledge base as the API serves it, fetched once per part, and the
// report's knowledge-base text put back from it.

import { human } from './dom.js';
import { api } from './api.js';

// Knowledge base, fetched once per part.
const kbCache = new Map();
// Reports name findings by id; their labels come from the knowledge base.
const findingLabels = new Map();
export const findingLabel = (id) => findingLabels.get(id) || human(id);
export function kb(part = '') {
  if (!kbCache.has(part)) {
    const p = api('GET', `/api/v1/kb${part ? `/${part}` : ''}`);
    p.catch(() => kbCache.delete(part));
    if (part === 'findings') p.then((list) => list.forEach((f) => findingLabels.set(f.id, f.label)), () => {});
    kbCache.set(part, p);
  }
  return kbCache.get(part);
}
export async function kbMap(part) {
  const list = await kb(part);
  return new Map(list.map((x) => [x.id, x]));
}

/**
 * The report names knowledge-base units by id and leaves their text out (it is
 * the same for every case). Put the text back from the knowledge-base views, so
 * the rest of the app can read e.g. `plan.exercises[i].steps` directly.
 */
export async function hydrateReport(r) {
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

/** "Kiral et al. 2024" from a reference's authors and year; the id when they are unknown. */
export function shortCite(ref, id) {
  if (!ref || !(ref.authors || []).length) return human(id);
  const first = String(ref.authors[0]).split(/\s+/)[0];
  const more = ref.authors.length > 1 ? ' et al.' : '';
  return `${first}${more}${ref.year ? ` ${ref.year}` : ''}`;
}
