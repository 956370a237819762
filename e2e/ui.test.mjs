// End-to-end tests of the Cluneal web app in a real browser: Debian's Chromium
// driven by playwright-core (never a downloaded browser), against the real
// `cluneal serve` with a temporary SQLite database. Screenshots go to
// e2e/screenshots/. Run with `npm test` in this folder after building the binary.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const bin = process.env.CLUNEAL_BIN || join(root, 'target', 'debug', 'cluneal');
const shots = join(here, 'screenshots');
mkdirSync(shots, { recursive: true });

let server;
let base;
let browser;
let dataDir;
const external = [];

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'cluneal-e2e-'));
  server = spawn(bin, ['serve', '--port', '0', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  base = await new Promise((resolve, reject) => {
    let out = '';
    server.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) resolve(m[1]);
    });
    server.on('exit', (code) => reject(new Error(`cluneal serve exited with ${code}`)));
  });
  const executablePath = process.env.CHROMIUM || execSync('command -v chromium').toString().trim();
  browser = await chromium.launch({
    executablePath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  server?.kill();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  assert.deepEqual(external, [], 'the web app made a request outside the server');
});

async function newPage(width = 1200) {
  const ctx = await browser.newContext({ viewport: { width, height: 900 } });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('request', (r) => { if (!r.url().startsWith(base) && !r.url().startsWith('data:')) external.push(r.url()); });
  return { page, errors };
}

/** axe-core finds no serious or critical violation. */
async function accessible(page, name) {
  const res = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const bad = res.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`), [], `axe on ${name}`);
}

async function noSideScroll(page, name) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `${name} scrolls sideways by ${overflow}px`);
}

async function shot(page, name) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

/** From the start of the self-check to the first interview question. */
async function startSelfCheck(page) {
  await page.goto(`${base}/#/selfcheck`);
  await page.click('#start-selfcheck');
  await page.fill('#age', '58');
  await page.check('#sex-female');
  await page.fill('#duration-weeks', '30');
  await page.click('#next-button');
  await page.waitForSelector('#bodymap');
}

test('every page says Cluneal supports and does not replace a clinician', async () => {
  const { page, errors } = await newPage();
  for (const route of ['/', '/#/selfcheck', '/#/clinician', '/#/learn']) {
    await page.goto(base + route);
    await page.waitForSelector('#disclaimer-text');
    await page.waitForFunction(() => document.querySelector('#disclaimer-text').textContent.includes('does not'));
  }
  await page.goto(`${base}/`);
  await page.waitForSelector('#home-emergency ul');
  await shot(page, 'home');
  await accessible(page, 'home');
  assert.deepEqual(errors, []);
});

test('a patient completes the self-check and gets a plain-language, printable result', async () => {
  const { page, errors } = await newPage();
  await startSelfCheck(page);
  // The body map works with the mouse and the keyboard.
  await page.click('#region-buttock-left');
  // The rim of the hip bone has its own place on the map.
  await page.focus('#region-iliac_crest-left');
  await page.keyboard.press('Space');
  const checked = await page.$$eval('#bodymap [role=checkbox][aria-checked=true]', (e) => e.map((x) => x.id));
  assert.deepEqual(checked.sort(), ['region-buttock-left', 'region-iliac_crest-left']);
  await shot(page, 'selfcheck-bodymap');
  await accessible(page, 'body map');
  let assessed;
  page.on('request', (r) => { if (r.url().endsWith('/api/v1/assess')) assessed = JSON.parse(r.postData()); });
  await page.click('#next-button');
  const yes = new Set(['pain_burning', 'numbness_tingling_in_area', 'worse_twisting', 'worse_rising_from_sitting',
    'self_crest_tender_spot', 'self_crest_pressure_reproduces_pain']);
  const numbers = [];
  const asked = [];
  for (let n = 0; n < 60; n++) {
    await page.waitForSelector('#question-form, #result');
    if (await page.$('#result')) break;
    if (n === 0) await accessible(page, 'first question');
    for (const id of await page.$$eval('#question-form fieldset.single', (e) => e.map((x) => x.id))) {
      asked.push(id.slice(2));
      if (id === 'q-self_crest_tender_spot') {
        // The self-check of the hip rim comes with its picture and the words for it.
        const pic = await page.waitForSelector('#guide svg[data-picture=self_palpation_crest]');
        assert.match(await pic.getAttribute('aria-label'), /rim of the hip bone/);
        assert.match(await page.$eval('#question-form .group-prompt', (e) => e.textContent), /hand's width/);
        await shot(page, 'selfcheck-self-palpation');
        await accessible(page, 'self-palpation step');
      }
      const answer = `#${id}-${yes.has(id.slice(2)) ? 'yes' : 'no'}`;
      // A choice question (e.g. pregnancy status) has options instead of yes/no: take the first.
      if (await page.$(answer)) await page.check(answer);
      else await page.check(`#${id} input[type=radio] >> nth=0`);
    }
    for (const id of await page.$$eval('#question-form input[type=number]', (e) => e.map((x) => x.id))) {
      numbers.push(id);
      await page.fill(`#${id}`, '6');
    }
    const before = await page.$eval('#question-count', (e) => e.textContent).catch(() => '');
    await page.click('#next-button');
    await page.waitForFunction((p) => {
      const e = document.querySelector('#question-count');
      return document.querySelector('#result') || !e || e.textContent !== p;
    }, before);
    assert.equal(await page.$('#emergency-alert'), null, 'no emergency for this patient');
  }
  await page.waitForSelector('#result');
  const level = await page.$eval('#urgency', (e) => e.dataset.level);
  assert.ok(['routine', 'soon', 'urgent', 'emergency'].includes(level));
  const conditions = await page.$$eval('#differential [data-condition]', (e) => e.map((x) => x.dataset.condition));
  assert.equal(conditions.length, 3);
  // A tender spot on the hip rim that sets off the usual pain, found by the
  // patient: the self-check asks for it, and SCNE leads.
  assert.ok(asked.includes('self_crest_tender_spot'), `the self-check of the hip rim was asked: ${asked}`);
  assert.equal(conditions[0], 'scne', `SCNE first: ${conditions}`);
  // Pain over the hip rim always names SCNE as something to ask about, whatever its rank.
  assert.ok(await page.$('#ask-about [data-condition=scne]'), 'SCNE named under "Worth asking your clinician about"');
  // Pain intensity is asked, so the warning-sign screen is complete.
  assert.ok(numbers.includes('q-pain_intensity'), `pain intensity was asked: ${numbers}`);
  assert.equal(assessed.answers.pain_intensity, 6);
  assert.equal(await page.$('#screen-incomplete'), null, 'every warning-sign question was answered');
  // The reasons are only what the patient said yes to, in plain words.
  const why = await page.$$eval('#differential .why li[data-finding]', (e) => e.map((x) => [x.dataset.finding, x.textContent]));
  assert.ok(why.length > 0, 'reasons are given');
  for (const [f, text] of why) {
    assert.notEqual(assessed.answers[f], 'no', `${f} was denied but is given as a reason`);
    assert.doesNotMatch(text, /\((no|don.t know)\)/, `a reason reads "${text}"`);
  }
  assert.doesNotMatch(await page.$eval('#differential', (e) => e.textContent), /\((no|don.t know)\)/);
  // No advice about what the patient denied.
  assert.equal(assessed.answers.pain_below_knee, 'no', 'the patient said no to pain below the knee');
  assert.doesNotMatch(await page.$eval('#seek-care', (e) => e.textContent), /below the knee/i, 'no advice about pain below the knee');
  // No unexplained jargon in the patient text.
  const shown = await page.$eval('#result', (e) => e.innerText);
  for (const word of [/\bPSIS\b/, /anaesthesia/i, /palpation/i, /posterior superior iliac spine/i]) {
    assert.doesNotMatch(shown, word, `jargon in the patient result: ${word}`);
  }
  // What the percentages mean (worded by the differential model: shared out
  // among the causes, or each condition on its own).
  assert.match(await page.$eval('#percent-explained', (e) => e.textContent), /shared out among all the possible causes; only the top three are shown, so they need not add up to 100%/);
  assert.ok((await page.$$('#exercises [data-testid=exercise]')).length > 0, 'exercises with pictures');
  // The plan's exercises get their picture text from the knowledge base too.
  assert.match(await page.$eval('#exercises svg.pictogram', (e) => e.getAttribute('aria-label')), /Start: .*End: /);
  assert.match(await page.$eval('#exercises [data-testid=dosage]', (e) => e.textContent), /\d/);
  assert.ok(await page.$('#seek-care'), 'when to seek care');
  assert.ok(await page.$('#print-button'), 'printable report');
  // A real PDF from the server: the two-page visit summary, and the exercise handout.
  for (const audience of ['patient', 'exercises']) {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click(`#pdf-${audience}`)]);
    const pdf = readFileSync(await download.path());
    assert.equal(pdf.subarray(0, 5).toString(), '%PDF-', `${audience}: a PDF`);
    assert.match(download.suggestedFilename(), /\.pdf$/);
    assert.ok(pdf.length > 5000, `${audience}: ${pdf.length} bytes`);
  }
  assert.match(await page.$eval('[data-testid=pdf-status]', (e) => e.textContent), /ready/);
  await shot(page, 'selfcheck-result');
  await accessible(page, 'self-check result');
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.$eval('#site-nav', (e) => getComputedStyle(e).display), 'none', 'navigation is not printed');
  await shot(page, 'selfcheck-print');
  await page.emulateMedia({ media: 'screen' });
  assert.deepEqual(errors, []);
});

test('an emergency answer shows what to do at once', async () => {
  const { page, errors } = await newPage();
  await startSelfCheck(page);
  await page.click('#next-button'); // no region picked
  await page.waitForSelector('#question-form');
  await page.check('#q-saddle_anaesthesia-yes');
  await page.check('#q-urinary_retention-yes');
  await page.click('#next-button');
  const alert = await page.waitForSelector('#emergency-alert');
  assert.equal(await alert.getAttribute('role'), 'alert');
  assert.match(await alert.textContent(), /emergency/i);
  await shot(page, 'selfcheck-emergency');
  await accessible(page, 'emergency alert');
  // The summary: the instruction alone on top, the serious condition first, no
  // self-care advice competing with it.
  // The interview stops at an emergency and shows the summary (or offers to).
  await page.waitForSelector('#result, #alert-finish');
  if (!(await page.$('#result'))) await page.click('#alert-finish');
  await page.waitForSelector('#result');
  const order = await page.$$eval('#selfcheck > *:not([hidden])', (e) => e.map((x) => x.id || x.tagName));
  assert.deepEqual(order.slice(0, 2), ['H1', 'emergency-alert'], `the emergency instruction comes first: ${order}`);
  assert.equal(await page.$('#urgency'), null, 'the instruction is not repeated below as an ordinary urgency box');
  const listed = await page.$$eval('#differential [data-condition]', (e) => e.map((x) => [x.dataset.condition, x.dataset.serious]));
  assert.equal(listed[0][0], 'cauda_equina_syndrome', `the serious condition leads: ${listed}`);
  const firstBenign = listed.findIndex(([, serious]) => serious !== 'true');
  assert.ok(firstBenign === -1 || listed.slice(firstBenign).every(([, serious]) => serious !== 'true'), `no benign condition above a serious one: ${listed}`);
  assert.equal(await page.$('#self-care'), null, 'no self-care advice in an emergency');
  await shot(page, 'selfcheck-emergency-result');
  await accessible(page, 'emergency result');
  assert.deepEqual(errors, []);
});

test('every self-check question offers yes, no and don\'t know; don\'t know leaves the warning-sign screen incomplete', async () => {
  const { page, errors } = await newPage();
  await startSelfCheck(page);
  await page.click('#next-button'); // no region picked
  await page.waitForSelector('#question-form');
  // The warning signs come first, each with its own yes / no / don't know.
  const qs = await page.$$eval('#question-form fieldset.single', (e) => e.map((x) => ({
    id: x.id, options: [...x.querySelectorAll('input[type=radio]')].map((r) => r.value) })));
  assert.ok(qs.some((q) => q.id === 'q-saddle_anaesthesia'), 'the emergency screen asks about saddle numbness');
  for (const q of qs) assert.deepEqual(q.options, ['yes', 'no', 'unknown'], `${q.id} offers yes / no / don't know`);
  assert.equal(await page.$('#question-form input[type=checkbox]'), null, 'no tick box that turns silence into "no"');
  await shot(page, 'selfcheck-warning-signs');
  await accessible(page, 'warning-sign screen');
  await page.check('#q-saddle_anaesthesia-unknown');
  await page.check('#q-urinary_retention-no');
  const sent = page.waitForRequest((r) => r.url().endsWith('/api/v1/interview/next'));
  await page.click('#next-button');
  const body = JSON.parse((await sent).postData());
  assert.equal(body.case.answers.saddle_anaesthesia, 'unknown', '"don\'t know" is sent as unknown');
  assert.equal(body.case.answers.urinary_retention, 'no');
  for (const q of qs) {
    const f = q.id.slice(2);
    if (f !== 'urinary_retention') assert.notEqual(body.case.answers[f], 'no', `${f} was not answered, so it is not "no"`);
  }
  await page.waitForSelector('#question-form, #result');
  await page.click('#finish-button');
  await page.waitForSelector('#result');
  assert.notEqual(await page.$eval('#urgency', (e) => e.dataset.level), 'emergency');
  const incomplete = await page.waitForSelector('#screen-incomplete');
  assert.match(await incomplete.textContent(), /not complete/i);
  const listed = await page.$$eval('#unanswered-list li', (e) => e.map((x) => x.dataset.id));
  assert.ok(listed.includes('saddle_anaesthesia'), `saddle numbness is listed to ask a clinician: ${listed}`);
  assert.ok(!listed.includes('urinary_retention'), 'an answered question is not listed');
  assert.match(await page.$eval('#unanswered-list', (e) => e.textContent), /saddle/i, 'listed as the patient question');
  await accessible(page, 'incomplete screen result');
  assert.deepEqual(errors, []);
});

test('a clinician assesses, saves, reopens, reassesses and deletes a case', async () => {
  const { page, errors } = await newPage();
  await page.goto(`${base}/#/clinician`);
  await page.waitForSelector('#case-form');
  await accessible(page, 'empty clinician form');
  const ex = JSON.parse(readFileSync(join(root, 'examples', 'scne_block_positive.json'), 'utf8'));
  await page.fill('#c-label', 'E2E block case');
  await page.fill('#c-age', String(ex.age));
  await page.selectOption('#c-sex', ex.sex);
  // The default setting's choice says what it covers; picking another says what that one covers.
  assert.match(await page.textContent('#c-setting-covers'), /General practice/);
  await page.selectOption('#c-setting', 'spine_clinic');
  assert.match(await page.textContent('#c-setting-covers'), /rheumatology/);
  await page.selectOption('#c-setting', ex.setting);
  await page.fill('#c-duration', String(ex.duration_weeks));
  await page.selectOption('#c-sides', ex.sides);
  for (const [k, v] of Object.entries(ex.answers)) {
    await page.evaluate((k) => { const d = document.querySelector(`#f-${k}`)?.closest('details'); if (d) d.open = true; }, k);
    if (typeof v === 'number') await page.fill(`#f-${k}`, String(v));
    else await page.check(`#f-${k}-${v}`);
  }
  await page.click('#add-block');
  const block = await page.$('.block-record');
  await block.$eval('[data-key=protocol]', (s) => { s.value = 'scn_block'; });
  await (await block.$('[data-key=pain_before]')).fill('8');
  const rows = await block.$$('.reading-row');
  await (await rows[0].$('[data-key=pain]')).fill('3');
  await (await rows[1].$('[data-key=pain]')).fill('1');
  await page.click('#assess-button');
  await page.waitForSelector('#result #differential');
  const top = await page.$eval('#differential [data-condition]', (e) => e.dataset.condition);
  // The clinician report as a PDF, for the case as assessed (nothing stored).
  const [report] = await Promise.all([page.waitForEvent('download'), page.click('#pdf-clinician')]);
  assert.equal(readFileSync(await report.path()).subarray(0, 5).toString(), '%PDF-');
  assert.equal(report.suggestedFilename(), 'cluneal-clinician-report.pdf');
  assert.equal(top, 'scne');
  // The example is from a spine clinic: the report names the setting as users know it.
  assert.match(await page.textContent('#result'), /Setting: Specialist clinic/);
  assert.ok(await page.$('#block-chart'), 'block chart of pain over time');
  assert.ok(await page.$('#criteria'), 'SCNE criteria checklist');
  assert.ok(await page.$('#workup'), 'work-up');
  assert.ok(await page.$('#plan'), 'stepped plan');
  await page.click('#differential details summary');
  await shot(page, 'clinician-result');
  await accessible(page, 'clinician result');
  await page.click('#save-button');
  await page.waitForSelector('[data-testid=case-item]');
  await page.click('#new-case-button');
  await page.click('[data-testid=open-case]');
  await page.waitForFunction(() => document.querySelector('#c-label').value === 'E2E block case');
  await page.click('#reassess-button');
  await page.waitForFunction(() => (document.querySelector('#result-note') || {}).textContent?.includes('reassessed'));
  await page.click('[data-testid=delete-case]');
  await page.click('[data-testid=confirm-delete]');
  await page.waitForSelector('#no-cases');
  assert.deepEqual(errors, []);
});

test('a CDS Hooks card link opens clinician mode with the record filled in', async () => {
  const { page, errors } = await newPage();
  const c = { age: 58, sex: 'female', duration_weeks: 30, respondent: 'clinician', answers: { pain_low_back: 'yes', diabetes: 'yes' } };
  const b64 = Buffer.from(JSON.stringify(c)).toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  await page.goto(`${base}/#/clinician/case=${b64}`);
  await page.waitForFunction(() => document.querySelector('#c-age')?.value === '58');
  assert.equal(await page.$eval('#c-duration', (e) => e.value), '30');
  assert.equal(await page.$eval('#c-sex', (e) => e.value), 'female');
  assert.ok(await page.$eval('#f-diabetes-yes', (e) => e.checked), 'a finding from the record is ticked');
  assert.match(await page.$eval('#editing-status', (e) => e.textContent), /EHR record/);
  await page.goto(`${base}/#/clinician/case=not-base64!`);
  await page.waitForSelector('#form-errors:not([hidden])');
  assert.match(await page.$eval('#form-errors', (e) => e.textContent), /could not be read/);
  assert.deepEqual(errors, []);
});

test('a case followed over three visits keeps each visit and charts pain against the minimal important change', async () => {
  const { page, errors } = await newPage();
  await page.goto(`${base}/#/clinician`);
  await page.waitForSelector('#case-form');
  await page.fill('#c-label', 'E2E three visits');
  await page.fill('#c-age', '61');
  await page.check('#f-pain_over_iliac_crest-yes');
  const visit = async (date, pain, activity, score) => {
    await page.evaluate(() => { const d = document.querySelector('#f-pain_intensity')?.closest('details'); if (d) d.open = true; });
    await page.fill('#f-pain_intensity', String(pain));
    await page.fill('#c-visit-date', date);
    await page.fill('#psfs-a0', activity);
    await page.fill('#psfs-s0', String(score));
    await page.click('#save-button');
    await page.waitForFunction((d) => [...document.querySelectorAll('[data-testid=visit-row] td:first-child')].some((td) => td.textContent === d), date);
  };
  await visit('2026-09-01', 8, 'sitting through a film', 3);
  await visit('2026-10-01', 6, 'sitting through a film', 5);
  await visit('2026-11-01', 3, 'sitting through a film', 8);
  const rows = await page.$$eval('[data-testid=visit-row]', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
  assert.equal(rows.length, 3, JSON.stringify(rows));
  assert.deepEqual(rows.map((r) => r[0]), ['2026-09-01', '2026-10-01', '2026-11-01']);
  assert.deepEqual(rows.map((r) => r[1]), ['8/10', '6/10', '3/10']);
  assert.match(rows[1][2], /−2 \(meaningful\)/);
  assert.match(rows[2][2], /−5 \(meaningful\)/);
  assert.match(rows[2][3], /^8\.0/);
  assert.ok(await page.$('[data-testid=pain-chart] .pc-mic'), 'the chart marks the minimal important change');
  assert.equal(await page.$$eval('[data-testid=pain-chart] .pc-dot', (d) => d.length), 3);
  await shot(page, 'clinician-visits');
  await accessible(page, 'visit history');
  await page.click('[data-testid=delete-case]');
  await page.click('[data-testid=confirm-delete]');
  await page.waitForSelector('#no-cases');
  assert.deepEqual(errors, []);
});

test('a patient keeps a diary from the link the clinician gives; the clinician charts it and can withdraw the link', async () => {
  const { page, errors } = await newPage();
  await page.goto(`${base}/#/clinician`);
  await page.waitForSelector('#case-form');
  await page.evaluate(() => document.querySelectorAll('#case-form details').forEach((d) => { d.open = true; }));
  await page.fill('#c-label', 'E2E diary');
  await page.fill('#c-age', '52');
  for (const f of ['pain_over_iliac_crest', 'crest_tenderness_focal', 'crest_pressure_reproduces_pain']) await page.check(`#f-${f}-yes`);
  await page.click('#save-button');
  await page.waitForSelector('#diary #create-diary-link');
  assert.match(await page.$eval('#diary-status', (e) => e.textContent), /No diary link is open/);
  await page.click('#create-diary-link');
  await page.waitForSelector('#diary-link-url');
  const link = await page.$eval('#diary-link-url', (e) => e.value);
  assert.match(link, /#\/diary\/dry_[0-9a-f]{64}$/);
  assert.match(await page.$eval('#diary-status', (e) => e.textContent), /1 diary link is open/);

  // The patient, on a phone, with no account: the link alone opens the diary.
  const patient = await newPage(390);
  const requests = [];
  patient.page.on('request', (r) => requests.push(r.url()));
  await patient.page.goto(link);
  await patient.page.waitForSelector('#diary-form');
  const boxes = await patient.page.$$eval('#diary-exercises input[type=checkbox]', (b) => b.map((x) => x.value));
  assert.ok(boxes.length > 0, 'the plan\'s exercises are listed to tick');
  await patient.page.fill('#diary-pain', '5');
  await patient.page.check(`#ex-${boxes[0]}`);
  await patient.page.fill('#diary-notes', 'Walked to the shop.');
  await patient.page.click('#diary-save');
  await patient.page.waitForFunction(() => /Saved your entry/.test(document.querySelector('#diary-saved')?.textContent || ''));
  const sent = await patient.page.$$eval('[data-testid=diary-row] td', (td) => td.map((x) => x.textContent));
  assert.deepEqual(sent.slice(1), ['5/10', `1 of ${boxes.length}`, 'Walked to the shop.']);
  assert.ok(requests.every((u) => !u.includes('dry_')), 'the token never goes in a URL the server sees');
  await noSideScroll(patient.page, 'diary on a phone');
  await shot(patient.page, 'diary-patient');
  await accessible(patient.page, 'patient diary');

  // The clinician withdraws the link and sees the entry, charted.
  await page.click('#revoke-diary-links');
  await page.waitForFunction(() => /withdrawn/.test(document.querySelector('#diary-status')?.textContent || ''));
  assert.equal(await page.$$eval('#diary [data-testid=diary-row]', (r) => r.length), 1);
  assert.ok(await page.$('#diary [data-testid=diary-pain-chart] .pc-dot'), 'pain by day');
  assert.match(await page.$eval('#diary [data-testid=adherence-chart]', (e) => e.getAttribute('aria-label')), new RegExp(`1 of ${boxes.length}`));
  await (await page.$('#diary')).screenshot({ path: join(shots, 'clinician-diary.png') });
  await accessible(page, 'clinician diary');

  // The withdrawn link opens nothing.
  await patient.page.reload();
  await patient.page.waitForSelector('#diary-closed');
  assert.match(await patient.page.$eval('#diary-closed', (e) => e.textContent), /not valid or has been withdrawn/);
  await page.click('[data-testid=delete-case]');
  await page.click('[data-testid=confirm-delete]');
  await page.waitForSelector('#no-cases');
  assert.deepEqual(errors, []);
  assert.deepEqual(patient.errors.filter((e) => !/401/.test(e)), []);
});

test('the differential names the presentation that fits best, with that presentation\'s evidence', async () => {
  const { page, errors } = await newPage();
  // A young distance runner with a tender sacrum and pain on hopping: the
  // sacral stress fracture fits its fatigue-fracture variant.
  const c = {
    age: 24, sex: 'female', setting: 'physiotherapy', duration_weeks: 3, respondent: 'clinician',
    answers: { long_distance_runner_or_military_training: 'yes', pain_buttock: 'yes', hop_test_pain: 'yes', sacral_tenderness: 'yes' },
  };
  const b64 = Buffer.from(JSON.stringify(c)).toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  await page.goto(`${base}/#/clinician/case=${b64}`);
  await page.waitForFunction(() => document.querySelector('#c-age')?.value === '24');
  await page.click('#assess-button');
  await page.waitForSelector('#result #differential');
  const dx = await page.$('#differential [data-condition=sacral_stress_fracture]');
  assert.ok(dx, 'the fracture is in the differential');
  await dx.$eval('summary', (s) => s.click());
  const line = await dx.$eval('[data-testid=presentation]', (e) => e.textContent);
  assert.match(line, /Fits best: Fatigue fracture/);
  const evidence = await dx.$eval('table', (t) => t.textContent);
  assert.match(evidence, /runner|military/i, 'the variant\'s own evidence is shown');
  assert.deepEqual(errors, []);
});

test('serious causes are listed above the ranking and "no specific cause" apart from it', async () => {
  const { page, errors } = await newPage();
  // Back pain with a pulsating lump in the belly: an emergency, and the
  // aneurysm is named above the ranked causes whatever its rank.
  const c = {
    age: 71, sex: 'male', setting: 'primary_care', duration_weeks: 0.3, respondent: 'clinician',
    answers: { pain_low_back: 'yes', pulsatile_abdominal_mass: 'yes' },
  };
  const b64 = Buffer.from(JSON.stringify(c)).toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  await page.goto(`${base}/#/clinician/case=${b64}`);
  await page.waitForFunction(() => document.querySelector('#c-age')?.value === '71');
  await page.click('#assess-button');
  await page.waitForSelector('#result #differential');
  assert.equal(await page.$eval('#urgency', (e) => e.dataset.level), 'emergency');
  const listed = await page.$$eval('#must-not-miss [data-condition]', (els) => els.map((e) => e.dataset.condition));
  assert.ok(listed.includes('abdominal_aortic_aneurysm'), listed.join(', '));
  const aneurysm = await page.textContent('#must-not-miss [data-condition=abdominal_aortic_aneurysm]');
  assert.match(aneurysm, /Pulsatile|pulsating/i, 'the finding that put it there');
  // The list comes before the ranking; "no specific cause" is not one of the ranked causes.
  assert.ok(await page.$eval('#must-not-miss', (m) => !!(m.compareDocumentPosition(document.querySelector('#differential')) & Node.DOCUMENT_POSITION_FOLLOWING)));
  assert.match(await page.textContent('#no-specific'), /No specific cause found: \d/);
  assert.equal(await page.$('#differential [data-condition=nonspecific_low_back_pain]'), null);
  assert.ok(await page.textContent('[data-testid=picture]'));
  await accessible(page, 'must-not-miss result');
  await (await page.$('#must-not-miss')).screenshot({ path: join(shots, 'clinician-must-not-miss.png') });
  assert.deepEqual(errors, []);
});

test('a malformed case is explained next to the form', async () => {
  const { page } = await newPage();
  await page.goto(`${base}/#/clinician`);
  await page.waitForSelector('#case-form');
  await page.fill('#c-age', '300');
  await page.click('#assess-button');
  await page.waitForSelector('#form-errors:not([hidden])');
  assert.match(await page.$eval('#form-errors', (e) => e.textContent), /Age: 300 is out of range/);
});

test('clinician mode asks for what is missing, never keeps a stale result and starts new rows empty', async () => {
  const { page, errors } = await newPage();
  await page.goto(`${base}/#/clinician`);
  await page.waitForSelector('#case-form');
  // An empty form: say what is needed instead of a report of base rates.
  await page.click('#assess-button');
  await page.waitForSelector('#form-errors:not([hidden])');
  assert.match(await page.$eval('#form-errors', (e) => e.textContent), /Nothing to assess yet/);
  assert.equal(await page.$('#result'), null);
  // A valid case gives a result; then an invalid change takes it away.
  await page.fill('#c-age', '52');
  await page.check('#f-pain_over_iliac_crest-yes');
  await page.click('#assess-button');
  await page.waitForSelector('#result #differential');
  await page.fill('#c-age', '300');
  await page.click('#assess-button');
  await page.waitForSelector('#form-errors:not([hidden])');
  assert.equal(await page.$('#result'), null, 'the old result is gone');
  assert.match(await page.$eval('#form-errors', (e) => e.textContent), /Age/);
  await page.fill('#c-age', '52');
  // A new treatment row chooses nothing for the clinician.
  await page.click('#add-treatment');
  const row = await page.$('.treatment-row');
  assert.equal(await row.$eval('[data-key=treatment]', (s) => s.value), '');
  assert.equal(await row.$eval('[data-key=response]', (s) => s.value), '');
  await page.click('#assess-button');
  await page.waitForSelector('#form-errors:not([hidden])');
  const text = await page.$eval('#form-errors', (e) => e.textContent);
  assert.match(text, /Treatment 1/);
  assert.match(text, /Choose the treatment/);
  assert.ok(!text.includes('treatments_tried'), `paths are said in words: ${text}`);
  // Sources read as author and year, and lead to the full citation.
  await row.$eval('button', (b) => b.click());
  await page.click('#assess-button');
  await page.waitForSelector('#result #differential');
  const cite = await page.$eval('#differential a[href^="#rref-"]', (a) => a.textContent);
  assert.match(cite, /\d{4}/, `a short citation with a year: ${cite}`);
  // The out-of-range age was refused by the server (422), as intended; nothing else went wrong.
  assert.deepEqual(errors.filter((e) => !e.includes('status of 422')), []);
});

test('Learn shows the topics, the SCNE vs SGNE vs general table, exercises and references', async () => {
  const { page, errors } = await newPage();
  await page.goto(`${base}/#/learn`);
  await page.waitForSelector('#comparison-table');
  const rows = await page.$$eval('#comparison-table tbody tr', (e) => e.map((x) => x.textContent));
  assert.ok(rows.some((r) => /superior cluneal/i.test(r)) && rows.some((r) => /superior gluteal/i.test(r)));
  assert.ok((await page.$$('#learn-exercises [data-testid=exercise]')).length >= 7);
  assert.ok(await page.$('#learn-references'));
  await shot(page, 'learn');
  await accessible(page, 'learn');
  assert.deepEqual(errors, []);
});

test('every exercise has its own picture, start and end, labelled with the knowledge base text, and it fits a phone', async () => {
  const { page, errors } = await newPage(390);
  const kbExercises = await (await fetch(`${base}/api/v1/kb/exercises`)).json();
  await page.goto(`${base}/#/learn`);
  await page.waitForSelector('#learn-exercises [data-testid=exercise] svg.pictogram');
  const cards = await page.$$eval('#learn-exercises [data-testid=exercise]', (els) => els.map((card) => {
    const svg = card.querySelector('svg.pictogram');
    const c = card.getBoundingClientRect();
    const s = svg && svg.getBoundingClientRect();
    return {
      id: card.dataset.id,
      picture: svg && svg.dataset.picture,
      label: svg && svg.getAttribute('aria-label'),
      title: svg && svg.querySelector('title')?.textContent,
      heads: svg ? svg.querySelectorAll('.pg-head').length : 0,
      drawing: svg ? [...svg.querySelectorAll('polyline, circle')].map((e) => e.outerHTML).join('') : '',
      fits: !!s && s.left >= c.left && s.right <= c.right && s.width >= 200 && s.height >= 40,
    };
  }));
  assert.equal(cards.length, kbExercises.length, 'every exercise is shown');
  for (const ex of kbExercises) {
    const card = cards.find((c) => c.id === ex.id);
    assert.ok(card, `exercise ${ex.id} is shown`);
    assert.equal(card.picture, ex.picture, `${ex.id} shows its own picture`);
    assert.equal(card.heads, 2, `${ex.id}: a start and an end pose`);
    assert.ok(card.label.includes(ex.picture_alt) && card.title === card.label, `${ex.id} is labelled with its picture_alt: ${card.label}`);
    assert.ok(card.fits, `${ex.id}: the picture fits the card on a 390 px phone`);
  }
  assert.equal(new Set(cards.map((c) => c.drawing)).size, cards.length, 'no two exercises share a drawing');
  await noSideScroll(page, 'learn exercises on a phone');
  for (const id of ['cat_cow', 'bird_dog', 'pelvic_tilt']) {
    await page.locator(`#learn-exercises [data-id=${id}]`).screenshot({ path: join(shots, `phone-exercise-${id}.png`) });
  }
  await page.locator('#learn-exercises .exercise-list').screenshot({ path: join(shots, 'phone-exercises.png') });
  assert.deepEqual(errors, []);
});

test('pages fit a phone screen without sideways scrolling', async () => {
  const { page } = await newPage(360);
  for (const route of ['/', '/#/learn', '/#/clinician']) {
    await page.goto(base + route);
    await page.waitForSelector('#view *');
    await page.waitForTimeout(200);
    await noSideScroll(page, route);
  }
  await startSelfCheck(page);
  await noSideScroll(page, 'body map');
  await shot(page, 'phone-bodymap');
  await accessible(page, 'phone body map');
});

test('on a phone the self-check keeps its place: reload, the Back button, focus, 44 px targets, no sideways scrolling', async () => {
  const { page, errors } = await newPage(390);
  await startSelfCheck(page);
  // Every body-map area has a target of at least 44 px: its shape, or its twin in the list.
  const small = await page.$$eval('#bodymap [role=checkbox]', (els) => els.filter((x) => {
    const big = (e) => { const r = e && e.getBoundingClientRect(); return r && r.width >= 44 && r.height >= 44; };
    return !big(x) && !big(document.querySelector(`label[for="list-${x.dataset.region}-${x.dataset.side}"]`));
  }).map((x) => x.id));
  assert.deepEqual(small, [], 'body-map targets under 44 px');
  await noSideScroll(page, 'phone body map');
  await page.check('#list-lateral_hip-left');
  assert.equal(await page.$eval('#region-lateral_hip-left', (e) => e.getAttribute('aria-checked')), 'true', 'the list and the map agree');
  await page.click('#region-buttock-left');
  assert.ok(await page.isChecked('#list-buttock-left'));
  await page.click('#next-button');
  await page.waitForSelector('#question-form');
  assert.equal(await page.$eval('#question-count', (e) => e.textContent), 'Question 1');
  await page.check('#q-saddle_anaesthesia-no');
  await page.click('#next-button');
  await page.waitForFunction(() => document.querySelector('#question-count')?.textContent === 'Question 2');
  // A reload keeps the answers and the place.
  await page.reload();
  await page.waitForSelector('#question-form');
  assert.equal(await page.$eval('#question-count', (e) => e.textContent), 'Question 2', 'the place survives a reload');
  // The browser's Back button steps back within the check.
  await page.goBack();
  await page.waitForFunction(() => document.querySelector('#question-count')?.textContent === 'Question 1');
  assert.ok(await page.isChecked('#q-saddle_anaesthesia-no'), 'the answer is kept');
  await page.goBack();
  await page.waitForSelector('#bodymap');
  assert.equal(await page.$eval('#region-buttock-left', (e) => e.getAttribute('aria-checked')), 'true');
  await page.click('#next-button');
  // Through to the result without sideways scrolling, whatever the labels.
  for (let n = 0; n < 60; n++) {
    await page.waitForSelector('#question-form, #result');
    if (await page.$('#result')) break;
    await noSideScroll(page, `question ${n + 1}`);
    for (const id of await page.$$eval('#question-form fieldset.single', (e) => e.map((x) => x.id))) {
      if (await page.$(`#${id}-no`)) await page.check(`#${id}-no`);
      else await page.check(`#${id} input[type=radio] >> nth=0`);
    }
    for (const id of await page.$$eval('#question-form input[type=number]', (e) => e.map((x) => x.id))) await page.fill(`#${id}`, '3');
    const before = await page.$eval('#question-count', (e) => e.textContent);
    await page.click('#next-button');
    await page.waitForFunction((p) => document.querySelector('#result') || document.querySelector('#question-count')?.textContent !== p, before);
  }
  await page.waitForSelector('#result-title');
  await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'result-title');
  await noSideScroll(page, 'phone result');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('cluneal.selfcheck')), null, 'answers forgotten once finished');
  await shot(page, 'phone-result');
  await accessible(page, 'phone result');
  assert.deepEqual(errors, []);
});
