// The API client: the Cluneal server's JSON API (/api/v1/...), with the
// clinician's bearer token kept in this tab.

const TOKEN_KEY = 'cluneal.token';
export const getToken = () => {
  try { return sessionStorage.getItem(TOKEN_KEY) || ''; } catch { return ''; }
};
export const setToken = (t) => {
  try { if (t) sessionStorage.setItem(TOKEN_KEY, t); else sessionStorage.removeItem(TOKEN_KEY); } catch { /* storage off */ }
};

// Told when the server refuses the clinician's token (the clinician screen asks for one).
let unauthorized = () => {};
export function onUnauthorized(handler) {
  unauthorized = handler;
}

export class ApiError extends Error {
  constructor(status, problem) {
    const p = problem && typeof problem === 'object' ? problem : { title: String(problem || 'Request failed') };
    super(p.detail || p.title || `HTTP ${status}`);
    this.status = status;
    this.problem = p;
  }
}

/**
 * Call the API. `authorization` replaces the clinician's bearer token (the
 * patient diary sends its link's `Diary <token>`); a 401 then belongs to the
 * caller and does not open the clinician sign-in panel.
 */
export async function api(method, path, body, { authorization } = {}) {
  const headers = { Accept: 'application/json, application/problem+json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const token = getToken();
  if (authorization) headers.Authorization = authorization;
  else if (token) headers.Authorization = `Bearer ${token}`;
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, { title: 'Cannot reach the Cluneal server', detail: 'Check that the server is running and try again.' });
  }
  if (res.status === 204) return null;
  const type = res.headers.get('content-type') || '';
  const data = type.includes('json') ? await res.json().catch(() => null) : await res.text();
  if (!res.ok) {
    if (res.status === 401 && !authorization) unauthorized();
    throw new ApiError(res.status, data && typeof data === 'object' ? data : { title: `Error ${res.status}`, detail: data || res.statusText });
  }
  return data;
}
