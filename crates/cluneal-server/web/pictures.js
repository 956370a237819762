// Inline SVG pictures: exercise pictograms and the clickable body map.
// No external resources; everything is drawn here.

const NS = 'http://www.w3.org/2000/svg';

function svgEl(tag, attrs = {}) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  return el;
}

// ---------------------------------------------------------------------------
// Exercise pictograms (stick figures on a 120 x 80 canvas, floor at y = 72).
// Each figure: head [cx, cy], limbs as polylines, optional dashed prop line.
const FIGURES = {
  supine_knees_bent: {
    alt: 'A person lying on their back on a mat with both knees bent and feet flat.',
    head: [14, 62],
    lines: [[[20, 65], [62, 66], [80, 46], [94, 70], [102, 70]], [[26, 67], [52, 68]]],
  },
  bridge: {
    alt: 'A person lying on their back with knees bent, lifting the hips so shoulders, hips and knees form a straight line.',
    head: [12, 64],
    lines: [[[20, 66], [62, 46], [84, 44], [92, 70], [100, 70]], [[20, 68], [46, 69]]],
  },
  knee_to_chest: {
    alt: 'A person lying on their back, hugging one knee towards the chest, the other leg resting on the floor.',
    head: [14, 62],
    lines: [[[20, 65], [62, 66], [108, 68]], [[62, 66], [50, 40], [70, 34]], [[26, 64], [48, 44]]],
  },
  figure_four: {
    alt: 'A person lying on their back with one ankle crossed over the other knee, drawing the legs towards the chest.',
    head: [14, 62],
    lines: [[[20, 65], [60, 66], [70, 38], [92, 44]], [[60, 66], [88, 54], [71, 37]], [[26, 64], [64, 44]]],
  },
  quadruped: {
    alt: 'A person on hands and knees, reaching one arm forward and the opposite leg back, back kept flat.',
    head: [22, 31],
    lines: [[[30, 40], [74, 42], [112, 38]], [[34, 41], [34, 70]], [[74, 42], [76, 70], [100, 70]], [[30, 40], [4, 40]]],
  },
  hamstring: {
    alt: 'A person lying on their back with one leg raised straight up, a towel looped around the foot, the other knee bent.',
    head: [14, 62],
    lines: [[[20, 65], [60, 66], [78, 48], [92, 70]], [[60, 66], [66, 14]], [[26, 64], [42, 48]]],
    prop: [[42, 48], [66, 12]],
  },
  plank: {
    alt: 'A person on their side propped on one forearm, knees bent, lifting the hips off the floor.',
    head: [20, 36],
    lines: [[[14, 70], [30, 70]], [[26, 70], [26, 45], [74, 58], [92, 70], [108, 58]]],
  },
  side_lying: {
    alt: 'A person lying on their side with hips and knees bent, lifting the top knee while the feet stay together.',
    head: [12, 56],
    lines: [[[18, 62], [58, 66], [84, 64], [100, 71]], [[58, 65], [80, 42], [100, 69]], [[20, 62], [8, 48]]],
  },
  standing: {
    alt: 'A person walking upright at an easy pace.',
    head: [60, 10],
    lines: [[[60, 17], [60, 44], [50, 70]], [[60, 44], [72, 70]], [[60, 24], [48, 40]], [[60, 24], [71, 38]]],
  },
};

/** An exercise pictogram as an <svg> element, labelled for screen readers. */
export function exercisePicture(key, name = '') {
  const fig = FIGURES[key] || FIGURES.standing;
  const svg = svgEl('svg', { viewBox: '0 0 120 80', class: 'pictogram', role: 'img', focusable: 'false' });
  const title = svgEl('title');
  title.textContent = (name ? `${name}: ` : '') + fig.alt;
  svg.append(title);
  svg.setAttribute('aria-label', title.textContent);
  svg.append(svgEl('line', { x1: 2, y1: 73, x2: 118, y2: 73, class: 'pg-floor' }));
  if (fig.prop) {
    svg.append(svgEl('polyline', { points: fig.prop.map((p) => p.join(',')).join(' '), class: 'pg-prop' }));
  }
  for (const line of fig.lines) {
    svg.append(svgEl('polyline', { points: line.map((p) => p.join(',')).join(' '), class: 'pg-body' }));
  }
  svg.append(svgEl('circle', { cx: fig.head[0], cy: fig.head[1], r: 6, class: 'pg-head' }));
  return svg;
}

// ---------------------------------------------------------------------------
// Body map: back view (lower back, buttock, side of hip, back of thigh, below
// the knee) and a front view of the hips (groin). Left and right are the
// person's own sides; in the back view they match the viewer's, in the front
// view they are mirrored, and each side is labelled.

export const REGIONS = [
  { region: 'lower_back_above_crest', name: 'Lower back, above the hip bone' },
  { region: 'buttock', name: 'Buttock' },
  { region: 'lateral_hip', name: 'Side of the hip' },
  { region: 'groin', name: 'Groin (front of the hip)' },
  { region: 'back_of_thigh', name: 'Back of the thigh' },
  { region: 'below_knee', name: 'Below the knee' },
];

// Shapes for the person's LEFT side in the back view (viewer's left).
// Right side = mirror around x = 105.
const BACK_SHAPES = {
  lower_back_above_crest: 'M62 18 L103 18 L103 92 Q82 70 56 80 Z',
  buttock: 'M57 84 Q82 74 103 96 L103 158 Q82 172 62 162 Q52 124 57 84 Z',
  lateral_hip: 'M54 82 Q48 122 58 164 L42 160 Q32 122 40 92 Z',
  back_of_thigh: 'M46 168 Q60 174 102 166 L99 250 L56 250 Z',
  below_knee: 'M56 260 L99 260 L94 372 L66 372 Z',
};
// Groin in the front view, person's RIGHT side (viewer's left); left = mirror around x = 280.
const GROIN_RIGHT = 'M244 116 L270 140 L279 162 L262 164 L246 134 Z';

const CENTROIDS = {
  lower_back_above_crest: [83, 52], buttock: [81, 124], lateral_hip: [46, 126],
  back_of_thigh: [77, 210], below_knee: [79, 316],
};

function mirrorPath(d, axis) {
  // Mirror the x coordinates of a path made of M/L/Q/Z commands with absolute pairs.
  return d.replace(/(-?\d+(?:\.\d+)?) (-?\d+(?:\.\d+)?)/g, (_, x, y) => `${2 * axis - Number(x)} ${y}`);
}

/**
 * Build the body map. Returns { element, selected(): [{region, side}], clear(), setSelected(list) }.
 * onChange(list) is called after every toggle.
 */
export function createBodyMap(onChange = () => {}) {
  const wrap = document.createElement('div');
  wrap.className = 'bodymap-wrap';
  const svg = svgEl('svg', {
    viewBox: '0 0 340 400', id: 'bodymap', class: 'bodymap', role: 'group',
    'aria-label': 'Body map. Choose every area that hurts. Use Tab to move between areas and Space or Enter to select.',
    'data-testid': 'bodymap',
  });
  // Decorative outlines.
  const deco = svgEl('g', { class: 'bm-outline', 'aria-hidden': 'true' });
  deco.append(svgEl('path', { d: 'M60 10 L150 10 Q160 60 170 100 Q176 130 164 168 L156 250 L146 376 L118 380 L112 262 L106 176 L104 176 L98 262 L92 380 L64 376 L54 250 L46 168 Q34 130 40 100 Q50 60 60 10 Z' }));
  deco.append(svgEl('path', { d: 'M236 60 L324 60 Q334 100 330 130 L322 230 L286 230 L281 172 L279 172 L274 230 L238 230 L230 130 Q226 100 236 60 Z' }));
  svg.append(deco);
  const labels = svgEl('g', { class: 'bm-labels', 'aria-hidden': 'true' });
  const text = (x, y, s, cls = '') => {
    const t = svgEl('text', { x, y, 'text-anchor': 'middle', class: cls });
    t.textContent = s;
    labels.append(t);
  };
  text(105, 396, 'Back view');
  text(280, 250, 'Front view');
  text(280, 266, '(hips)');
  text(28, 60, 'Left', 'bm-side');
  text(182, 60, 'Right', 'bm-side');
  text(232, 48, 'Right', 'bm-side');
  text(328, 48, 'Left', 'bm-side');

  const regions = [];
  const names = Object.fromEntries(REGIONS.map((r) => [r.region, r.name]));
  function addRegion(region, side, d, centroid) {
    const g = svgEl('g', {
      class: 'region', role: 'checkbox', 'aria-checked': 'false', tabindex: '0',
      id: `region-${region}-${side}`, 'data-region': region, 'data-side': side,
      'data-testid': `region-${region}-${side}`,
      'aria-label': `${names[region]}, ${side} side`,
    });
    const t = svgEl('title');
    t.textContent = `${names[region]} (${side})`;
    g.append(t, svgEl('path', { d, class: 'region-shape' }));
    const tick = svgEl('path', {
      d: `M${centroid[0] - 7} ${centroid[1]} l5 6 l10 -12`, class: 'region-tick', 'aria-hidden': 'true',
    });
    g.append(tick);
    const toggle = () => {
      const on = g.getAttribute('aria-checked') !== 'true';
      g.setAttribute('aria-checked', String(on));
      onChange(selected());
    };
    g.addEventListener('click', toggle);
    g.addEventListener('keydown', (e) => {
      if (e.key === ' ' || e.key === 'Enter' || e.key === 'Spacebar') {
        e.preventDefault();
        toggle();
      }
    });
    regions.push(g);
    return g;
  }
  // Back view: person's left on the viewer's left.
  const back = svgEl('g');
  for (const side of ['left', 'right']) {
    for (const [region, d] of Object.entries(BACK_SHAPES)) {
      const shape = side === 'left' ? d : mirrorPath(d, 105);
      const c = CENTROIDS[region];
      back.append(addRegion(region, side, shape, side === 'left' ? c : [210 - c[0], c[1]]));
    }
  }
  // Front view: person's right on the viewer's left.
  const front = svgEl('g');
  front.append(addRegion('groin', 'right', GROIN_RIGHT, [262, 146]));
  front.append(addRegion('groin', 'left', mirrorPath(GROIN_RIGHT, 280), [298, 146]));
  // Keep a sensible tab order: per area, left then right.
  svg.append(back, front, labels);
  const order = REGIONS.flatMap((r) => ['left', 'right'].map((s) => regions.find((g) => g.dataset.region === r.region && g.dataset.side === s)));
  for (const g of order) g.parentNode.append(g);
  // Re-append the label layer so it stays on top.
  svg.append(labels);
  wrap.append(svg);

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
