// Small DOM helpers: elements, text and numbers as the screens show them.

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];
const PROPS = new Set(['value', 'checked', 'disabled', 'hidden', 'open', 'selected', 'required']);

/** Create an element: h('p', {class: 'x', onclick: fn}, 'text', child, [more]) */
export function h(tag, props, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v == null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k === 'style' && typeof v === 'object') Object.assign(el.style, v); // CSSOM: allowed by the CSP
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (PROPS.has(k)) el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, kids);
  return el;
}
export function append(el, kids) {
  for (const k of kids.flat(Infinity)) {
    if (k == null || k === false) continue;
    el.append(k instanceof Node ? k : String(k));
  }
  return el;
}
/** Text with blank lines → paragraphs. */
export function paras(text, cls) {
  return String(text || '')
    .split(/\n\s*\n/)
    .map((t) => t.trim())
    .filter(Boolean)
    .map((t) => h('p', { class: cls }, t));
}
let uidCounter = 0;
export const uid = (p = 'u') => `${p}-${++uidCounter}`;
export const cap = (s) => (s ? s.charAt(0).toUpperCase() + s.slice(1) : '');
export const human = (id) => cap(String(id || '').replace(/_/g, ' '));

export function pct(p) {
  if (p == null || Number.isNaN(p)) return '–';
  const v = p * 100;
  if (v > 0 && v < 0.1) return '<0.1%';
  if (v > 99.9 && v < 100) return '>99.9%';
  if (v < 10 || (v >= 99.5 && v < 100)) return `${v.toFixed(1)}%`;
  return `${Math.round(v)}%`;
}
export function fmtNum(x, digits = 2) {
  if (x == null) return '–';
  const t = Number(x).toFixed(digits);
  return t.includes('.') ? t.replace(/\.?0+$/, '') : t;
}
export function fmtDate(s) {
  if (!s) return '';
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? s : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
export function clone(x) {
  return x == null ? x : JSON.parse(JSON.stringify(x));
}

/** An SVG element with its attributes and text: the charts are drawn with it. */
export function svgNode(tag, attrs = {}, text) {
  const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text != null) e.textContent = text;
  return e;
}
