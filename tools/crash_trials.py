#!/usr/bin/env python3
"""Crash-durability trials: concurrent clients save cases and further visits
while the server is killed with SIGKILL at a random moment; after a restart on
the same database, every acknowledged save must be there, with its audit entry.

usage: tools/crash_trials.py [path/to/cluneal] [trials] [writers]
Each trial uses a fresh SQLite database in a temporary folder. Prints, per
trial and in total, the acknowledged saves and how many were lost; exits
non-zero when anything acknowledged is missing.
"""
import json, os, random, shutil, signal, subprocess, sys, tempfile, threading, time, urllib.error, urllib.request

binary = sys.argv[1] if len(sys.argv) > 1 else 'target/release/cluneal'
trials = int(sys.argv[2]) if len(sys.argv) > 2 else 100
writers = int(sys.argv[3]) if len(sys.argv) > 3 else 8
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
case = json.load(open(os.path.join(root, 'examples', 'scne_typical.json')))


def start(data):
    srv = subprocess.Popen([binary, 'serve', '--port', '0', '--data-dir', data],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    for line in srv.stdout:
        if 'listening on' in line:
            return srv, line.split()[2]
    sys.exit('the server did not start')


def call(base, method, path, body=None, timeout=30):
    req = urllib.request.Request(base + path, method=method,
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={'Content-Type': 'application/json'} if body is not None else {})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, json.loads(r.read() or b'null')


def writer(base, acked, lock, seed):
    """Create a case, then save two more visits of it, again and again, until
    the server goes away. A save counts only once its answer has arrived."""
    rnd = random.Random(seed)
    while True:
        try:
            status, v = call(base, 'POST', '/api/v1/cases', {'case': case, 'label': f'trial {seed}'})
            if status != 201:
                return
            with lock:
                acked[v['id']] = 1
            for _ in range(2):
                body = {'case': dict(case, age=rnd.randint(20, 80)), 'visit_date': '2026-11-30'}
                status, _ = call(base, 'PUT', f'/api/v1/cases/{v["id"]}', body)
                if status != 200:
                    return
                with lock:
                    acked[v['id']] += 1
        except (urllib.error.URLError, ConnectionError, OSError, ValueError):
            return


def trial(n, rnd):
    data = tempfile.mkdtemp(prefix='cluneal-crash-')
    try:
        srv, base = start(data)
        acked, lock = {}, threading.Lock()
        threads = [threading.Thread(target=writer, args=(base, acked, lock, n * 100 + k)) for k in range(writers)]
        for t in threads:
            t.start()
        time.sleep(rnd.uniform(0.2, 1.5))
        os.kill(srv.pid, signal.SIGKILL)
        srv.wait()
        for t in threads:
            t.join()
        srv, base = start(data)
        lost, audit_missing = [], []
        _, entries = call(base, 'GET', '/api/v1/audit?limit=10000')
        created = {e['case_id'] for e in entries if e['action'] == 'create'}
        updates = {}
        for e in entries:
            if e['action'] == 'update':
                updates[e['case_id']] = updates.get(e['case_id'], 0) + 1
        for cid, saves in acked.items():
            try:
                _, visits = call(base, 'GET', f'/api/v1/cases/{cid}/visits')
            except urllib.error.HTTPError as e:
                lost.append(f'{cid}: {e.code}')
                continue
            if len(visits) < saves:
                lost.append(f'{cid}: {saves} saves acknowledged, {len(visits)} visits kept')
            if cid not in created or updates.get(cid, 0) < saves - 1:
                audit_missing.append(cid)
        srv.send_signal(signal.SIGTERM)
        srv.wait(timeout=30)
        return sum(acked.values()), lost, audit_missing
    finally:
        shutil.rmtree(data, ignore_errors=True)


rnd = random.Random(20261130)
total, failures = 0, 0
t0 = time.monotonic()
for n in range(1, trials + 1):
    saves, lost, audit_missing = trial(n, rnd)
    total += saves
    failures += len(lost) + len(audit_missing)
    mark = 'ok' if not lost and not audit_missing else 'LOST'
    print(f'trial {n:3}: {saves:5} acknowledged saves, {len(lost)} lost, {len(audit_missing)} without their audit entry  {mark}', flush=True)
    for x in lost + [f'{c}: audit entry missing' for c in audit_missing]:
        print('   ', x)
print(f'{trials} trials, {writers} writers, {total} acknowledged saves, {failures} lost or unaudited, {time.monotonic() - t0:.0f} s')
sys.exit(1 if failures else 0)
