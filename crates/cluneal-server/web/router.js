// The router: one screen per URL fragment (#/selfcheck, #/clinician/...).
// Screens add themselves to `routes`.

import { $, $$, h } from './dom.js';

export const routes = {};
let firstRoute = true;
const TITLES = { home: 'Home', selfcheck: 'Self-check', clinician: 'Clinician', learn: 'Learn', diary: 'My pain diary' };

export function parseHash() {
  const parts = location.hash.replace(/^#\/?/, '').split('/');
  return { name: parts[0] || 'home', arg: parts.slice(1).join('/') || '' };
}

export async function route() {
  const { name, arg } = parseHash();
  const key = routes[name] ? name : 'notfound';
  for (const a of $$('#site-nav a')) {
    if (a.dataset.route === key) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  document.title = `${TITLES[key] || 'Not found'} · Cluneal`;
  const view = $('#view');
  view.replaceChildren();
  try {
    await routes[key](view, arg);
  } catch (e) {
    view.append(h('div', { class: 'problem', role: 'alert' }, h('h2', {}, 'This page could not be loaded'), h('p', {}, e.message || String(e))));
  }
  if (!firstRoute && !arg) {
    const h1 = $('h1', view);
    if (h1) { h1.setAttribute('tabindex', '-1'); h1.focus(); }
    window.scrollTo(0, 0);
  }
  firstRoute = false;
}

routes.notfound = (view) => {
  view.append(h('h1', {}, 'Page not found'), h('p', {}, 'This page does not exist. ', h('a', { href: '#/' }, 'Go to the home page'), '.'));
};
