// Shared vocabulary: the words the screens use for the report's closed sets.

import { h, human } from './dom.js';

export const URGENCY = {
  emergency: { label: 'Emergency: get help now', short: 'Emergency', rank: 0 },
  urgent: { label: 'Urgent: see a doctor today or within a day or two', short: 'Urgent', rank: 1 },
  soon: { label: 'See a doctor soon, within a week or two', short: 'Soon', rank: 2 },
  routine: { label: 'Routine: no warning signs among the answers given', short: 'Routine', rank: 3 },
};
export const urgencyOf = (lvl) => URGENCY[lvl] || { label: human(lvl), short: human(lvl), rank: 9 };
// A care setting's display name, from the knowledge base's own descriptions
// (GET /api/v1/kb `care_settings`); the id made readable when it has none.
export const settingName = (meta, id) => {
  const s = ((meta && meta.care_settings) || []).find((x) => x.id === id);
  return s ? s.name : human(id || 'default');
};
export const RESPONSES = [['good', 'Good: clearly better'], ['partial', 'Partial: somewhat better'], ['none', 'None: no change'], ['worse', 'Worse']];
// Labels for closed sets of the report. Their keys must be exactly the values
// the report schema allows (crates/cluneal-server/tests/vocabulary.rs checks).
export const STATUS_NAMES = { done: 'Done', current: 'Now', upcoming: 'Later', not_indicated: 'Not needed' };
export const CRITERION_MARKS = { met: ['✓', 'Met'], unmet: ['✗', 'Not met'], unknown: ['?', 'Unknown'] };
export const BAND_NAMES = { fits_well: 'Fits well', possible: 'Possible', less_likely: 'Less likely' };
export const BLOCK_RESULTS = { positive: 'Positive', inconclusive: 'Inconclusive', negative: 'Negative' };
// The case's numeric ranges [min, max], as the case schema gives them (the
// engine checks the same constants; tests/vocabulary.rs keeps these equal).
export const BOUNDS = {
  age: [0, 120],
  weeks: [0, 5200],
  pain: [0, 10],
  minutes: [0, 100000],
  hours: [0, 2000],
};
// The min and max attributes of a number input for one of the ranges above.
export const range = (name) => ({ min: String(BOUNDS[name][0]), max: String(BOUNDS[name][1]) });
export const GRADE_NAMES = { strong: 'strong', moderate: 'moderate', weak: 'weak', contested: 'contested', expert_estimate: 'expert estimate' };

export function badge(level, text) {
  return h('span', { class: `badge badge-${level}` }, text || urgencyOf(level).short);
}

export function answerWord(a) {
  if (a === 'yes' || a === true) return 'yes';
  if (a === 'no' || a === false) return 'no';
  if (a === 'unknown' || a == null) return "don't know";
  return String(a);
}

export function dosageText(d) {
  if (!d) return '';
  const parts = [];
  if (d.sets === 1 && d.reps === 1) parts.push('once');
  else if (d.sets && d.reps) parts.push(`${d.sets} ${d.sets === 1 ? 'set' : 'sets'} × ${d.reps} ${d.reps === 1 ? 'time' : 'times'}`);
  else if (d.reps) parts.push(`${d.reps} times`);
  if (d.hold_seconds) parts.push(`hold ${d.hold_seconds} seconds`);
  if (d.per_week) parts.push(`${d.per_week} ${d.per_week === 1 ? 'day' : 'days'} a week`);
  return parts.join(' · ');
}
