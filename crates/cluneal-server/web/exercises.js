// An exercise as a card, as the self-check, the clinician report and Learn show it.

import { h } from './dom.js';
import { dosageText } from './vocabulary.js';
import { exercisePicture } from './pictures.js';

/** One exercise card: picture, purpose, dosage, steps, progression, cautions. */
export function exerciseCard(ex, { headingLevel = 'h4', full = false } = {}) {
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
