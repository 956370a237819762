#!/usr/bin/env python3
"""Bounded soak of a running Cluneal server on loopback: assess, the interview,
and saved-case CRUD with visits and the patient diary, mixed, from several
client threads for a fixed time. Prints errors, latency (p50 / p99) per kind of
request, and the server's resident memory at the start and the end.

usage: tools/soak.py [path/to/cluneal] [seconds] [threads]
Starts `cluneal serve` on a free port with a temporary SQLite database and
stops it at the end. Exits non-zero when any request failed.
"""
import json, os, random, statistics, subprocess, sys, tempfile, threading, time, urllib.error, urllib.request

binary = sys.argv[1] if len(sys.argv) > 1 else 'target/release/cluneal'
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 600
threads = int(sys.argv[3]) if len(sys.argv) > 3 else 4
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
examples = [json.load(open(os.path.join(root, 'examples', f))) for f in sorted(os.listdir(os.path.join(root, 'examples'))) if f.endswith('.json')]

data = tempfile.mkdtemp(prefix='cluneal-soak-')
srv = subprocess.Popen([binary, 'serve', '--port', '0', '--data-dir', data], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
base = None
for line in srv.stdout:
    if 'listening on' in line:
        base = line.split()[2]
        break
if base is None:
    sys.exit('the server did not start')

def rss_mib():
    with open(f'/proc/{srv.pid}/status') as f:
        for l in f:
            if l.startswith('VmRSS:'):
                return int(l.split()[1]) / 1024
    return float('nan')

def call(method, path, body=None, headers=None):
    h = {'Content-Type': 'application/json'} if body is not None else {}
    h.update(headers or {})
    req = urllib.request.Request(base + path, method=method, data=None if body is None else json.dumps(body).encode(), headers=h)
    with urllib.request.urlopen(req, timeout=30) as r:
        raw = r.read()
        return r.status, (json.loads(raw) if raw and r.headers.get('content-type', '').startswith('application/json') else None)

lat = {}
errors = []
lock = threading.Lock()
stop_at = time.monotonic() + seconds

def timed(kind, fn):
    t = time.perf_counter()
    try:
        out = fn()
    except Exception as e:  # any failure is counted, with what it was
        with lock:
            errors.append(f'{kind}: {e}')
        return None
    with lock:
        lat.setdefault(kind, []).append((time.perf_counter() - t) * 1000)
    return out

def worker(seed):
    rnd = random.Random(seed)
    while time.monotonic() < stop_at:
        case = rnd.choice(examples)
        timed('assess', lambda: call('POST', '/api/v1/assess', case))
        timed('interview', lambda: call('POST', '/api/v1/interview/next', {'case': case, 'asked': 0}))
        made = timed('create', lambda: call('POST', '/api/v1/cases', {'case': case, 'label': f'soak {seed}'}))
        if not made:
            continue
        cid = made[1]['id']
        timed('read', lambda: call('GET', f'/api/v1/cases/{cid}'))
        timed('list', lambda: call('GET', '/api/v1/cases'))
        timed('update', lambda: call('PUT', f'/api/v1/cases/{cid}', {'case': case, 'visit_date': '2026-11-30'}))
        timed('visits', lambda: call('GET', f'/api/v1/cases/{cid}/visits'))
        link = timed('diary_link', lambda: call('POST', f'/api/v1/cases/{cid}/diary-links'))
        if link:
            auth = {'Authorization': f'Diary {link[1]["token"]}'}
            timed('diary_entry', lambda: call('POST', '/api/v1/diary/entries', {'date': '2026-11-29', 'pain': rnd.randint(0, 10)}, auth))
        if rnd.random() < 0.5:
            timed('delete', lambda: call('DELETE', f'/api/v1/cases/{cid}'))

rss_start = rss_mib()
pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
t0 = time.monotonic()
for t in pool: t.start()
for t in pool: t.join()
elapsed = time.monotonic() - t0
rss_end = rss_mib()
srv.terminate(); srv.wait()

total = sum(len(v) for v in lat.values()) + len(errors)
print(f'Soak: {elapsed:.0f} s, {threads} client threads, {total} requests ({total / elapsed:.0f}/s), {len(errors)} errors')
print(f'Server memory (RSS): {rss_start:.0f} MiB at start, {rss_end:.0f} MiB at the end\n')
print('| request | count | p50 ms | p99 ms |\n|---|---|---|---|')
for k in sorted(lat):
    v = sorted(lat[k])
    p99 = v[min(len(v) - 1, int(len(v) * 0.99))]
    print(f'| {k} | {len(v)} | {statistics.median(v):.1f} | {p99:.1f} |')
for e in errors[:10]:
    print('error:', e)
sys.exit(1 if errors else 0)
