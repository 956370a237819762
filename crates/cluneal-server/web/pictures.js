// Inline SVG pictures: exercise pictograms and the clickable body map.
// No external resources; everything is drawn here. The exercise poses are
// data in figures.json, which the server's PDF handouts draw from too.

import FIGURES from './figures.json' with { type: 'json' };

const NS = 'http://www.w3.org/2000/svg';

function svgEl(tag, attrs = {}) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  return el;
}

// ---------------------------------------------------------------------------
// Exercise pictures: one per exercise, keyed by the exercise's `picture` in the
// knowledge base. Each shows two stick figures on one 250 x 62 canvas: the
// start position on the left, the end position on the right (drawn shifted by
// END_X), and an arrow between them (`arrow: 'both'` for a movement back and
// forth). Poses are written in a 115-unit-wide panel with the floor at y = 73,
// and `fit` scales both poses of a figure alike to fill the panel. A pose has
// a head [cx, cy], body polylines (the first starts at the shoulders, where the
// neck joins the head), an optional dashed prop (towel, pillow) and an
// optional hint arrow [from, to] showing a small movement. The text
// alternative comes from the knowledge base (`picture_alt`), never from here.
// crates/cluneal-server/tests/pictures.rs checks that every exercise's picture
// is in figures.json and that every entry there is used; cluneal-pdf draws the
// same poses with the same rules for the PDF handouts.

const END_X = 135;

const pts = (line) => line.map((p) => p.map((v) => Math.round(v * 10) / 10).join(',')).join(' ');

// Both poses of a figure are scaled alike to fill their panels: as large as
// fits 107 units wide and 48 high (at most 1.6 times), centred, with what
// rests on the floor staying on it (the scale is about y = 68).
const FLOOR_Y = 68;
function fit(fig) {
  const all = [fig.start, fig.end].flatMap((pose) => [
    ...pose.lines.flat(), ...(pose.prop || []), ...(pose.hint || []),
    [pose.head[0] - 6, pose.head[1] - 6], [pose.head[0] + 6, pose.head[1] + 6],
  ]);
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const [x0, x1, y0] = [Math.min(...xs) - 2, Math.max(...xs) + 2, Math.min(...ys) - 2];
  const s = Math.min(107 / (x1 - x0), 48 / (FLOOR_Y - y0), 1.6);
  const dx = 57.5 - ((x0 + x1) / 2) * s;
  const at = ([x, y]) => [x * s + dx, FLOOR_Y - (FLOOR_Y - y) * s];
  return { at, r: 4.5 + 1.5 * Math.sqrt(s) };
}

function arrowHead(tip, from, cls) {
  // A filled triangle at `tip`, pointing away from `from`.
  const [dx, dy] = [tip[0] - from[0], tip[1] - from[1]];
  const len = Math.hypot(dx, dy) || 1;
  const [ux, uy] = [dx / len, dy / len];
  const base = [tip[0] - ux * 5, tip[1] - uy * 5];
  return svgEl('polygon', { points: pts([tip, [base[0] - uy * 3.5, base[1] + ux * 3.5], [base[0] + uy * 3.5, base[1] - ux * 3.5]]), class: cls });
}

function drawPose(pose, x, { at, r }) {
  const g = svgEl('g', x ? { transform: `translate(${x} 0)` } : {});
  g.append(svgEl('line', { x1: 2, y1: 73, x2: 113, y2: 73, class: 'pg-floor' }));
  if (pose.prop) g.append(svgEl('polyline', { points: pts(pose.prop.map(at)), class: 'pg-prop' }));
  // The neck: from the head's centre to the shoulders, so the head stays joined at any scale.
  g.append(svgEl('polyline', { points: pts([pose.head, pose.lines[0][0]].map(at)), class: 'pg-body' }));
  for (const line of pose.lines) g.append(svgEl('polyline', { points: pts(line.map(at)), class: 'pg-body' }));
  const [cx, cy] = at(pose.head);
  g.append(svgEl('circle', { cx: Math.round(cx * 10) / 10, cy: Math.round(cy * 10) / 10, r: Math.round(r * 10) / 10, class: 'pg-head' }));
  if (pose.hint) {
    const [from, to] = pose.hint.map(at);
    g.append(svgEl('polyline', { points: pts([from, to]), class: 'pg-hint' }), arrowHead(to, from, 'pg-hint-head'));
  }
  return g;
}

/**
 * An exercise's picture (start and end position) as an <svg> element, labelled
 * for screen readers with `name` and `alt`, the knowledge base's `picture_alt`.
 * Null when `key` names no picture: no picture rather than a wrong one.
 */
export function exercisePicture(key, name = '', alt = '') {
  const fig = Object.hasOwn(FIGURES, key) ? FIGURES[key] : null;
  if (!fig) return null;
  const svg = svgEl('svg', { viewBox: '0 16 250 62', class: 'pictogram', role: 'img', focusable: 'false', 'data-picture': key });
  const title = svgEl('title');
  title.textContent = alt ? (name ? `${name}. ${alt}` : alt) : `${name || 'Exercise'}: start and end positions.`;
  svg.append(title);
  svg.setAttribute('aria-label', title.textContent);
  const scale = fit(fig);
  svg.append(drawPose(fig.start, 0, scale));
  const arrow = svgEl('g', { class: 'pg-arrow' });
  arrow.append(svgEl('line', { x1: 117, y1: 46, x2: 133, y2: 46 }), arrowHead([134, 46], [117, 46], 'pg-arrow-head'));
  if (fig.arrow === 'both') arrow.append(arrowHead([116, 46], [133, 46], 'pg-arrow-head'));
  svg.append(arrow, drawPose(fig.end, END_X, scale));
  return svg;
}

// ---------------------------------------------------------------------------
// Guide pictures: drawings shown with a question group (its `picture` in the
// knowledge base), e.g. where to press for the self-check of the hip rim. The
// text alternative is the group's `picture_alt`, never written here.
// crates/cluneal-server/tests/pictures.rs checks that every group's picture is
// in GUIDES and every entry of GUIDES is used: one key per line, indented by two
// spaces, as `key: (svg) => {`.

// The back of the hip rim (posterior iliac crest) for the person's left side,
// in a back view with the midline at x = 105: it starts low near the sacrum
// (the dimple of the back) and rises outwards to the side of the waist.
const CREST_LEFT = 'M95 100 C86 70 66 58 50 72';

const GUIDES = {
  self_palpation_crest: (svg) => {
    const body = svgEl('g', { class: 'bm-outline', 'aria-hidden': 'true' });
    body.append(svgEl('path', { d: 'M52 0 L56 44 Q40 80 42 120 L44 176 L166 176 L168 120 Q170 80 154 44 L158 0 Z' }));
    svg.append(body);
    const marks = svgEl('g', { class: 'guide-marks', 'aria-hidden': 'true' });
    marks.append(
      svgEl('path', { d: 'M105 4 L105 110', class: 'guide-midline' }),
      svgEl('path', { d: 'M105 122 L105 174', class: 'guide-fold' }),
      svgEl('path', { d: CREST_LEFT, class: 'guide-crest' }),
      svgEl('path', { d: mirrorPath(CREST_LEFT, 105), class: 'guide-crest' }),
      // How far out: about a hand's width from the middle of the back.
      svgEl('path', { d: 'M105 34 L84 34 M105 29 L105 39 M84 29 L84 39', class: 'guide-measure' }),
      // The thumb moves along the rim to the tender spot.
      svgEl('path', { d: 'M56 58 Q64 54 72 60', class: 'guide-move' }),
      arrowHead([75, 63], [70, 58], 'guide-move-head'),
      svgEl('circle', { cx: 84, cy: 78, r: 5.5, class: 'guide-spot' }),
    );
    svg.append(marks);
    const labels = svgEl('g', { class: 'guide-labels', 'aria-hidden': 'true' });
    for (const [x, y, anchor, text] of [
      [94, 24, 'middle', 'a hand’s width'],
      [105, 187, 'middle', 'middle of the back'],
      [78, 96, 'end', 'press here'],
      [146, 43, 'middle', 'rim of the'],
      [146, 52, 'middle', 'hip bone'],
    ]) {
      const t = svgEl('text', { x, y, 'text-anchor': anchor });
      t.textContent = text;
      labels.append(t);
    }
    svg.append(labels);
  },
};

/**
 * A question group's guide picture as an <svg> element, labelled for screen
 * readers with `alt`, the knowledge base's `picture_alt`. Null when `key`
 * names no picture.
 */
export function guidePicture(key, alt = '') {
  const draw = Object.hasOwn(GUIDES, key) ? GUIDES[key] : null;
  if (!draw) return null;
  const svg = svgEl('svg', { viewBox: '28 0 154 192', class: 'guide-picture', role: 'img', focusable: 'false', 'data-picture': key });
  const title = svgEl('title');
  title.textContent = alt;
  svg.append(title);
  svg.setAttribute('aria-label', alt);
  draw(svg);
  return svg;
}

// ---------------------------------------------------------------------------
// Body map: back view (lower back, buttock, side of hip, back of thigh, below
// the knee) and a front view of the hips (groin). Left and right are the
// person's own sides; in the back view they match the viewer's, in the front
// view they are mirrored, and each side is labelled.

export const REGIONS = [
  { region: 'lower_back_above_crest', name: 'Lower back, above the hip bone' },
  { region: 'iliac_crest', name: 'Rim of the hip bone at the back (where a belt sits)' },
  { region: 'buttock', name: 'Buttock' },
  { region: 'lateral_hip', name: 'Side of the hip' },
  { region: 'groin', name: 'Groin (front of the hip)' },
  { region: 'back_of_thigh', name: 'Back of the thigh' },
  { region: 'below_knee', name: 'Below the knee' },
];

// Shapes for the person's LEFT side in the back view (viewer's left), in a
// figure frame centred on x = 105. Right side = mirror around x = 105.
const BACK_SHAPES = {
  lower_back_above_crest: 'M56 16 L103 16 L103 76 Q80 52 52 66 Z',
  // A band along the back of the hip rim (see CREST_LEFT), between the lower
  // back and the buttock; 16 units deep so it stays easy to hit.
  iliac_crest: 'M52 66 Q80 52 103 76 L103 94 Q78 70 50 82 Z',
  buttock: 'M57 84 Q82 74 103 96 L103 158 Q82 172 62 162 Q52 124 57 84 Z',
  lateral_hip: 'M53 82 Q47 122 58 164 L44 162 Q34 122 40 90 Z',
  back_of_thigh: 'M48 168 Q62 176 102 166 L100 248 L58 248 Z',
  below_knee: 'M58 258 L100 258 L95 370 L68 370 Z',
};
const CENTROIDS = {
  lower_back_above_crest: [80, 40], iliac_crest: [72, 72], buttock: [81, 124], lateral_hip: [46, 124],
  back_of_thigh: [79, 208], below_knee: [81, 312],
};
// Groin in the front view (same frame), person's RIGHT side (viewer's left).
const GROIN_RIGHT = 'M50 98 L74 120 L101 158 L98 176 L80 170 L58 132 Z';
const GROIN_CENTROID = [76, 142];
// Outline of the figure: head, shoulders, trunk and legs (left half; mirrored).
const HALF_OUTLINE = [[96, -34], [62, -26], [42, -12], [46, 22], [56, 50], [36, 118], [44, 170], [54, 252], [52, 300], [66, 372], [62, 386], [98, 386], [96, 372], [101, 300], [101, 252], [105, 178]];
const HALF_FRONT = [[56, 40], [36, 112], [44, 170], [50, 236], [100, 236], [105, 182]];

function outlinePath(half) {
  const left = half.map(([x, y]) => `${x} ${y}`);
  const right = [...half].reverse().map(([x, y]) => `${210 - x} ${y}`);
  return `M${left.join(' L')} L${right.join(' L')} Z`;
}

function mirrorPath(d, axis) {
  // Mirror the x coordinates of a path made of M/L/Q/Z commands with absolute pairs.
  return d.replace(/(-?\d+(?:\.\d+)?) (-?\d+(?:\.\d+)?)/g, (_, x, y) => `${2 * axis - Number(x)} ${y}`);
}

export function createBodyMap(onChange = () => {}) {
  const wrap = document.createElement('div');
  wrap.className = 'bodymap-wrap';
  const svg = svgEl('svg', {
    viewBox: '0 0 360 485', id: 'bodymap', class: 'bodymap', role: 'group',
    'aria-label': 'Body map. Choose every area that hurts. Use Tab to move between areas and Space or Enter to select.',
    'data-testid': 'bodymap',
  });
  const names = Object.fromEntries(REGIONS.map((r) => [r.region, r.name]));
  // Back view, 210 wide, placed at (0, 60); front view at (218, 120), scaled.
  const back = svgEl('g', { transform: 'translate(0 75)' });
  const front = svgEl('g', { transform: 'translate(206 112) scale(0.76)' });
  const deco = svgEl('g', { class: 'bm-outline', 'aria-hidden': 'true' });
  deco.append(svgEl('circle', { cx: 105, cy: -50, r: 17 }), svgEl('path', { d: outlinePath(HALF_OUTLINE) }));
  back.append(deco);
  const fdeco = svgEl('g', { class: 'bm-outline', 'aria-hidden': 'true' });
  fdeco.append(svgEl('path', { d: outlinePath(HALF_FRONT) }), svgEl('circle', { cx: 105, cy: 60, r: 3 }));
  front.append(fdeco);
  const labels = svgEl('g', { class: 'bm-labels', 'aria-hidden': 'true' });
  const text = (x, y, s, cls = '') => {
    const t = svgEl('text', { x, y, 'text-anchor': 'middle', class: cls });
    t.textContent = s;
    labels.append(t);
    return t;
  };
  text(105, 481, 'Back view');
  text(286, 302, 'Front view (hips)');
  text(18, 165, 'Left', 'bm-side');
  text(192, 165, 'Right', 'bm-side');
  text(238, 128, 'Right', 'bm-side');
  text(336, 128, 'Left', 'bm-side');
  const hover = document.createElement('p');
  hover.className = 'bm-hover';
  hover.setAttribute('aria-hidden', 'true');

  const regions = [];
  function addRegion(region, side, d, centroid) {
    const label = `${names[region]}, ${side} side`;
    const g = svgEl('g', {
      class: 'region', role: 'checkbox', 'aria-checked': 'false', tabindex: '0',
      id: `region-${region}-${side}`, 'data-region': region, 'data-side': side,
      'data-testid': `region-${region}-${side}`, 'aria-label': label,
    });
    const t = svgEl('title');
    t.textContent = label;
    g.append(t, svgEl('path', { d, class: 'region-shape' }));
    g.append(svgEl('path', { d: `M${centroid[0] - 7} ${centroid[1]} l5 6 l10 -12`, class: 'region-tick', 'aria-hidden': 'true' }));
    const toggle = () => {
      const on = g.getAttribute('aria-checked') !== 'true';
      g.setAttribute('aria-checked', String(on));
      onChange(selected());
      show();
    };
    const show = () => { hover.textContent = `${label}${g.getAttribute('aria-checked') === 'true' ? ' (chosen)' : ''}`; };
    const hide = () => { hover.textContent = ''; };
    g.addEventListener('click', toggle);
    g.addEventListener('mouseenter', show);
    g.addEventListener('focus', show);
    g.addEventListener('mouseleave', hide);
    g.addEventListener('blur', hide);
    g.addEventListener('keydown', (e) => {
      if (e.key === ' ' || e.key === 'Enter' || e.key === 'Spacebar') {
        e.preventDefault();
        toggle();
      }
    });
    regions.push(g);
    return g;
  }
  // Tab order: area by area, left then right; the groin (front view) last.
  for (const { region } of REGIONS) {
    if (region === 'groin') continue;
    for (const side of ['left', 'right']) {
      const d = BACK_SHAPES[region];
      const c = CENTROIDS[region];
      back.append(addRegion(region, side, side === 'left' ? d : mirrorPath(d, 105), side === 'left' ? c : [210 - c[0], c[1]]));
    }
  }
  // Front view: person's right on the viewer's left.
  front.append(addRegion('groin', 'left', mirrorPath(GROIN_RIGHT, 105), [210 - GROIN_CENTROID[0], GROIN_CENTROID[1]]));
  front.append(addRegion('groin', 'right', GROIN_RIGHT, GROIN_CENTROID));
  svg.append(back, front, labels);
  wrap.append(svg, hover);

  function selected() {
    return regions.filter((g) => g.getAttribute('aria-checked') === 'true').map((g) => ({ region: g.dataset.region, side: g.dataset.side }));
  }
  function setSelected(list) {
    for (const g of regions) {
      const on = list.some((s) => s.region === g.dataset.region && s.side === g.dataset.side);
      g.setAttribute('aria-checked', String(on));
    }
  }
  return { element: wrap, selected, setSelected, clear: () => setSelected([]), names };
}
