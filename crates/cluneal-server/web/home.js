// Home: what Cluneal is for, the three ways in, and when to get help at once.

import { h, paras } from './dom.js';
import { kb } from './knowledge.js';
import { routes } from './router.js';

routes.home = async (view) => {
  const root = h('div', { class: 'view-root home' });
  view.append(root);
  root.append(
    h('h1', {}, 'Help with low back and buttock pain'),
    h('p', { class: 'lead' },
      'Cluneal helps you and your clinician think about superior cluneal nerve entrapment (SCNE): a small skin nerve trapped where it crosses the back of the hip bone. ',
      'It is often missed, because it looks like other causes of back pain. Cluneal also checks for warning signs of serious problems first.'),
    h('div', { class: 'cards' },
      h('section', { class: 'card', 'aria-labelledby': 'home-sc-h' },
        h('h2', { id: 'home-sc-h' }, 'Check your symptoms'),
        h('p', {}, 'Answer short questions, one at a time, and mark where it hurts. You get a summary you can print and take to your clinician. Nothing is stored.'),
        h('a', { class: 'btn', href: '#/selfcheck', id: 'home-selfcheck' }, 'Go to the self-check')),
      h('section', { class: 'card', 'aria-labelledby': 'home-cl-h' },
        h('h2', { id: 'home-cl-h' }, 'For clinicians'),
        h('p', {}, 'Enter a full case with examination and nerve-block results. See the differential with its evidence, the SCNE criteria, the work-up and a stepped plan.'),
        h('a', { class: 'btn btn-secondary', href: '#/clinician', id: 'home-clinician' }, 'Open the clinician tool')),
      h('section', { class: 'card', 'aria-labelledby': 'home-learn-h' },
        h('h2', { id: 'home-learn-h' }, 'Learn'),
        h('p', {}, 'What SCNE is, how it is found and treated, exercises with pictures, and the signs that need urgent care.'),
        h('a', { class: 'btn btn-secondary', href: '#/learn', id: 'home-learn' }, 'Read and learn')),
    ),
  );
  const help = h('section', { class: 'help-now', id: 'home-emergency', 'aria-labelledby': 'home-em-h' },
    h('h2', { id: 'home-em-h' }, 'When to get help straight away'));
  root.append(help);
  try {
    const items = await kb('self_care');
    const em = items.find((x) => x.id === 'seek_care_emergency') || items.find((x) => x.kind === 'seek_care' && x.urgency === 'emergency');
    if (em) {
      help.append(...paras(em.text).slice(-1));
      if (em.steps && em.steps.length) help.append(h('ul', {}, em.steps.map((s) => h('li', {}, s))));
    }
  } catch {
    help.append(h('p', {}, 'Go to an emergency department now if you have new numbness between your legs, new trouble passing urine or controlling your bladder or bowels, or new weakness in both legs.'));
  }
};
