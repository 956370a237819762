// PDFs of a report, made by the server and handed to the browser as downloads.

import { h } from './dom.js';
import { getToken, ApiError } from './api.js';

/**
 * Fetch a PDF from the server and hand it to the browser as a download.
 * `body` is the case for `POST /api/v1/report.pdf`; without it, `path` is a GET.
 */
async function downloadPdf(path, body, fileName, status) {
  const headers = { Accept: 'application/pdf, application/problem+json' };
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (status) status.textContent = 'Preparing the PDF…';
  try {
    const res = await fetch(path, { method: body === undefined ? 'GET' : 'POST', headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (!res.ok) {
      const p = await res.json().catch(() => ({}));
      throw new ApiError(res.status, p);
    }
    const url = URL.createObjectURL(await res.blob());
    const a = h('a', { href: url, download: fileName, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
    if (status) status.textContent = `${fileName} is ready in your downloads.`;
  } catch (e) {
    if (status) status.textContent = `The PDF could not be made: ${e.message || e}`;
  }
}

const PDF_NAMES = { patient: 'cluneal-visit-summary.pdf', clinician: 'cluneal-clinician-report.pdf', exercises: 'cluneal-exercises.pdf' };

/** Buttons that download the case's PDFs; `source` is a saved case id or the case itself. */
export function pdfButtons(audiences, { caseId, caseBody }) {
  const status = h('p', { class: 'hint pdf-status', role: 'status', 'data-testid': 'pdf-status' });
  const label = { patient: 'Visit summary (PDF)', clinician: 'Clinician report (PDF)', exercises: 'Exercise handout (PDF)' };
  return h('div', { class: 'pdf-actions no-print' },
    h('div', { class: 'actions' }, audiences.map((a) => h('button', {
      type: 'button', class: 'btn btn-secondary btn-small', id: `pdf-${a}`, 'data-testid': `pdf-${a}`,
      onclick: () => (caseId
        ? downloadPdf(`/api/v1/cases/${encodeURIComponent(caseId)}/report.pdf?audience=${a}`, undefined, PDF_NAMES[a], status)
        : downloadPdf(`/api/v1/report.pdf?audience=${a}`, caseBody, PDF_NAMES[a], status)),
    }, label[a]))),
    status);
}
