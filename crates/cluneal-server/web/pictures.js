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
    head: [18, 30],
    lines: [[[28, 38], [74, 40], [114, 34]], [[30, 39], [30, 71]], [[74, 40], [74, 70], [98, 71]], [[28, 37], [4, 26]]],
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
    head: [12, 58],
    lines: [[[19, 64], [58, 67], [84, 66], [102, 71]], [[58, 65], [80, 42], [102, 69]], [[22, 70], [4, 70]]],
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

// Shapes for the person's LEFT side in the back view (viewer's left), in a
// figure frame centred on x = 105. Right side = mirror around x = 105.
const BACK_SHAPES = {
  lower_back_above_crest: 'M56 16 L103 16 L103 92 Q80 70 50 80 Z',
  buttock: 'M57 84 Q82 74 103 96 L103 158 Q82 172 62 162 Q52 124 57 84 Z',
  lateral_hip: 'M53 82 Q47 122 58 164 L44 162 Q34 122 40 90 Z',
  back_of_thigh: 'M48 168 Q62 176 102 166 L100 248 L58 248 Z',
  below_knee: 'M58 258 L100 258 L95 370 L68 370 Z',
};
const CENTROIDS = {
  lower_back_above_crest: [80, 48], buttock: [81, 124], lateral_hip: [46, 124],
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
