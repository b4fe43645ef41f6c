"""make loadtest: assignments, an undo and clicks at once against a real server, then a check
that every contact's profiles agree with their history.

It generates N contacts and a few profiles in DB, gives a third of the contacts a profile in an
earlier assignment, and starts Odoo on 127.0.0.1 (a free port) with 2 HTTP workers and 2 cron
workers. Then, at the same time, over HTTP: one user queues two assignments above the background
threshold (the cron runs them in batches) and undoes the earlier one, while USERS other users
click in assignment mode (log in, read a contact's mark, toggle it: what the list sends).
It waits for the jobs, prints what it did, and checks, for every contact and profile with a
history, that the contact carries the profile now exactly when the last change was an add; that
no request failed, no job failed, and no assignment did a contact twice. Exit code 1 if not.

Usage (through the harness, which installs a fresh database first):
    N=20000 USERS=4 CLICKS=40 scripts/harness.sh loadtest
    python scripts/loadtest.py ODOO_CONF DB [--clone-from DB] [--drop]
--clone-from copies an existing database with the module installed instead (pg_dump, as the CI
test does with its own database); --drop removes DB and its filestore at the end.
Settings (environment): N contacts (20000), USERS (4), CLICKS per user (40), THRESHOLD
(crm_target_groups.sync_threshold; default N // 10, at most 2000), TIMEOUT in seconds for the
whole run (600), PORT (a free one).
"""
import argparse
import http.cookiejar
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import defaultdict
from contextlib import closing
from pathlib import Path

from odoo import SUPERUSER_ID, api
from odoo.fields import Command
from odoo.modules.registry import Registry
from odoo.service.db import _create_empty_database
from odoo.sql_db import close_db, db_connect
from odoo.tools import SQL, config
from odoo.tools.misc import exec_pg_environ, find_pg_tool

N = int(os.environ.get('N', 20000))
USERS = int(os.environ.get('USERS', 4))
CLICKS = int(os.environ.get('CLICKS', 40))
THRESHOLD = int(os.environ.get('THRESHOLD', min(2000, N // 10)))
TIMEOUT = float(os.environ.get('TIMEOUT', 600))
HOT = 200  # the clicks go to the first contacts, which every job touches too
PASSWORD = 'load-test-password'
# PostgreSQL's messages for a transaction that met another one (odoo.service.model retries these)
CONCURRENCY_ERRORS = ('could not serialize access', 'deadlock detected', 'could not obtain lock')


class Stats:
    """Every request: its kind, duration, and error (None if it worked), from all threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.rows = []

    def add(self, kind, elapsed, error):
        with self.lock:
            self.rows.append((kind, elapsed, error))

    def errors(self):
        return [(kind, error) for kind, _elapsed, error in self.rows if error]


class RpcError(Exception):
    pass


class Session:
    """One browser: a cookie jar and JSON-RPC calls, as the web client makes them."""

    def __init__(self, base, stats, deadline):
        self.base, self.stats, self.deadline = base, stats, deadline
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.context = {}

    def rpc(self, kind, path, params):
        body = json.dumps({'jsonrpc': '2.0', 'method': 'call', 'id': 1, 'params': params}).encode()
        request = urllib.request.Request(self.base + path, body, {'Content-Type': 'application/json'})
        timeout = max(1.0, min(60.0, self.deadline - time.monotonic()))
        start, error, result = time.perf_counter(), None, None
        try:
            reply = json.loads(self.opener.open(request, timeout=timeout).read())
            if 'error' in reply:
                error = reply['error'].get('data', {}).get('message') or reply['error'].get('message')
            else:
                result = reply['result']
        except Exception as exc:  # noqa: BLE001 -- any failure of a request is counted and reported
            error = repr(exc)
        self.stats.add(kind, time.perf_counter() - start, error)
        if error:
            raise RpcError(f"{kind}: {error}")
        return result

    def login(self, db, login):
        info = self.rpc('login', '/web/session/authenticate', {'db': db, 'login': login, 'password': PASSWORD})
        self.context = dict(info['user_context'], allowed_company_ids=[info['user_companies']['current_company']])
        return info['uid']

    def call(self, kind, model, method, *args, context=None, **kwargs):
        kwargs['context'] = dict(self.context, **(context or {}))
        return self.rpc(kind, f'/web/dataset/call_kw/{model}/{method}',
                        {'model': model, 'method': method, 'args': list(args), 'kwargs': kwargs})


# ------------------------------------------------------------
# DATABASE
# ------------------------------------------------------------

def clone_database(source, target):
    """target as a copy of source (with its filestore), while source may be in use."""
    drop_database(target)
    _create_empty_database(target)
    environ = exec_pg_environ()
    dump = subprocess.Popen([find_pg_tool('pg_dump'), '--format=custom', '--no-owner', source],
                            stdout=subprocess.PIPE, env=environ)
    restore = subprocess.run([find_pg_tool('pg_restore'), '--no-owner', '--exit-on-error', '--dbname', target],
                             stdin=dump.stdout, env=environ, capture_output=True, text=True)
    dump.stdout.close()
    if dump.wait() or restore.returncode:
        raise RuntimeError(f"copying {source} failed: {restore.stderr[-2000:]}")
    if os.path.isdir(config.filestore(source)):
        shutil.copytree(config.filestore(source), config.filestore(target), dirs_exist_ok=True)


def drop_database(db):
    Registry.delete(db)
    close_db(db)
    with closing(db_connect('postgres').cursor()) as cr:
        cr._cnx.autocommit = True
        cr.execute(SQL("DROP DATABASE IF EXISTS %s WITH (FORCE)", SQL.identifier(db)))
    shutil.rmtree(config.filestore(db), ignore_errors=True)


def setup(db):
    """Contacts, profiles, users and an earlier assignment (synchronous), committed."""
    with Registry(db).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        ICP = env['ir.config_parameter']
        # N contacts by SQL, as an import would leave them; a third in each city (autopost_bills:
        # accounting's required column, as its default leaves it)
        cr.execute(SQL("""
            INSERT INTO res_partner (name, complete_name, active, type, is_company, lang, create_date, write_date,
                                     street, zip, city, autopost_bills)
            SELECT 'Load contact ' || g, 'Load contact ' || g, true, 'contact', false, 'en_US', now(), now(),
                   'Street ' || g, lpad((g %% 99991)::text, 5, '0'), 'Load City ' || (g %% 3), 'ask'
              FROM generate_series(1, %s) g
         RETURNING id
        """, N))
        partner_ids = sorted(row[0] for row in cr.fetchall())
        Category, Tag = env['crm.profile.category'], env['res.partner.category']
        interests = Category.create({'name': 'Load interests'})
        status = Category.create({'name': 'Load status', 'exclusive': True})
        profiles = {name: Tag.create({'name': f'Load {name}', 'profile_category_id': category.id})
                    for name, category in [('A', interests), ('B', interests), ('C', interests),
                                           ('new', status), ('regular', status)]}
        # carried before, without history (as an import before the module would leave them)
        cr.execute(SQL("""
            INSERT INTO res_partner_res_partner_category_rel (category_id, partner_id)
            SELECT CASE WHEN n %% 4 = 0 THEN %s ELSE %s END, id
              FROM (SELECT id, row_number() OVER (ORDER BY id) n FROM unnest(%s::int[]) id) p
             WHERE n %% 4 = 0 OR n %% 5 = 0
        """, profiles['new'].id, profiles['A'].id, partner_ids))
        groups = [env.ref(xmlid).id for xmlid in ('crm_target_groups.group_crm_target_groups_user',
                                                  'base.group_partner_manager')]
        users = env['res.users'].with_context(no_reset_password=True).create([
            {'name': f'Load user {i}', 'login': f'load_user_{i}', 'password': PASSWORD,
             'group_ids': [Command.set(groups)]} for i in range(USERS + 1)])
        requester = users[0]
        # the earlier assignment, made in the request (under the threshold for it), undone later
        ICP.set_param('crm_target_groups.sync_threshold', str(N + 1))
        env['crm.profile.assign'].with_user(requester).create({
            'profile_ids': [Command.set(profiles['B'].ids)],
            'partner_domain': repr([('city', '=', 'Load City 1')])}).action_apply()
        earlier = env['crm.profile.operation'].search([('user_id', '=', requester.id)], limit=1)
        assert earlier.state == 'done', earlier.state
        ICP.set_param('crm_target_groups.sync_threshold', str(THRESHOLD))
        cr.execute("ANALYZE res_partner, res_partner_res_partner_category_rel")
        return {
            'profiles': {name: profile.id for name, profile in profiles.items()},
            'logins': users.mapped('login'), 'earlier': earlier.id, 'earlier_total': earlier.partner_total,
            'hot': partner_ids[:HOT],
        }


# ------------------------------------------------------------
# SERVER
# ------------------------------------------------------------

def free_port():
    with closing(socket.socket()) as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def start_server(db, logfile):
    port = int(os.environ.get('PORT') or free_port())
    # -d alone serves that one database, as a single-database deployment does; a --db-filter
    # would make Odoo list the cluster's databases on every request without a session's
    # database (any visitor's), over a new connection each time
    server = subprocess.Popen(
        [sys.executable, '-m', 'odoo', 'server', '-c', config['config'], '-d', db,
         '--http-interface=127.0.0.1', f'--http-port={port}', f'--gevent-port={free_port()}',
         '--workers=2', '--max-cron-threads=2', f'--logfile={logfile}', '--log-level=info'],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    base = f'http://127.0.0.1:{port}'
    for _ in range(120):
        if server.poll() is not None:
            raise RuntimeError(f"the server stopped (exit code {server.returncode}); see {logfile}")
        try:
            with urllib.request.urlopen(base + '/web/health', timeout=2) as response:
                if response.status == 200:
                    return server, base
        except OSError:
            time.sleep(0.5)
    stop_server(server)
    raise RuntimeError(f"the server did not answer within a minute; see {logfile}")


def stop_server(server):
    """The server and its workers: they are the process group the server leads."""
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


# ------------------------------------------------------------
# THE LOAD
# ------------------------------------------------------------

def requester_work(session, db, login, data, done):
    """Two assignments above the threshold (background), as the wizard makes them."""
    session.login(db, login)
    for mode, profile, domain in [
            ('add', 'C', [('name', '=like', 'Load contact %')]),
            ('add', 'regular', [('city', 'in', ['Load City 0', 'Load City 2'])])]:
        [wizard] = session.call('wizard', 'crm.profile.assign', 'web_save', [], {
            'mode': mode, 'profile_ids': [Command.set([data['profiles'][profile]])],
            'partner_domain': repr(domain)}, specification={'partner_count': {}})
        session.call('wizard', 'crm.profile.assign', 'action_apply', [wizard['id']])
    done['requester'] = True


def undo_work(session, db, login, data, done):
    session.login(db, login)
    session.call('undo', 'crm.profile.operation', 'action_undo', [data['earlier']])
    done['undo'] = True


def click_work(session, db, login, data, clicks, deadline, lost):
    """CLICKS clicks of one user: read a contact's mark for a profile, then toggle it."""
    session.login(db, login)
    rng = random.Random(login)
    specification = {'crm_profile_assigned': {}, 'category_id': {'fields': {'display_name': {}}}}
    for _ in range(clicks):
        if time.monotonic() > deadline:
            return
        partner_id = rng.choice(data['hot'])
        context = {'crm_assign_profile_id': rng.choice(list(data['profiles'].values()))}
        try:
            [row] = session.call('read', 'res.partner', 'web_read', [partner_id],
                                 specification=specification, context=context)
            wanted = not row['crm_profile_assigned']
            [row] = session.call('click', 'res.partner', 'web_save', [partner_id], {'crm_profile_assigned': wanted},
                                 specification=specification, context=context)
        except RpcError:
            continue  # counted in the stats
        if row['crm_profile_assigned'] != wanted:
            lost.append((partner_id, context['crm_assign_profile_id'], wanted))
        time.sleep(rng.uniform(0, 0.05))


def run_load(db, base, data, stats, deadline):
    """All at once: the requester's two assignments, the undo, and the clicking users."""
    done, lost = {}, []
    requester, *clickers = data['logins']
    work = [(requester_work, (requester, data, done)), (undo_work, (requester, data, done))]
    work += [(click_work, (login, data, CLICKS, deadline, lost)) for login in clickers]

    def guarded(target, login, *args):
        try:
            target(Session(base, stats, deadline), db, login, *args)
        except RpcError:
            pass  # counted in the stats

    threads = [threading.Thread(target=guarded, args=(target, *args)) for target, args in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    return done, lost, any(thread.is_alive() for thread in threads)


def wait_for_jobs(db, deadline):
    while True:
        with closing(db_connect(db).cursor()) as cr:
            cr.execute("SELECT count(*) FROM crm_profile_operation WHERE state IN ('queued', 'running')")
            if not cr.fetchone()[0] or time.monotonic() > deadline:
                return
        time.sleep(0.5)


# ------------------------------------------------------------
# CHECKS
# ------------------------------------------------------------

def check(db, data):
    """The load's jobs, and every (contact, profile) of the load's profiles that has a history."""
    profiles = list(data['profiles'].values())
    with closing(db_connect(db).cursor()) as cr:
        cr.execute(SQL("""
            SELECT o.id, o.name, o.state, o.partner_total, o.partner_done, o.failure,
                   extract(epoch FROM o.write_date - o.create_date),
                   (SELECT count(*) FROM crm_profile_history_set s WHERE s.operation_id = o.id),
                   (SELECT count(*) - count(DISTINCT (s.profile_id, s.change, p))
                      FROM crm_profile_history_set s, unnest(s.partner_ids) p WHERE s.operation_id = o.id)
              FROM crm_profile_operation o WHERE o.id >= %s ORDER BY o.id
        """, data['earlier']))
        jobs = cr.fetchall()
        cr.execute(SQL("""
            WITH history AS (
                SELECT id AS serial, partner_id, profile_id, change
                  FROM crm_profile_history_line WHERE profile_id = ANY(%(profiles)s)
                 UNION ALL
                SELECT s.id, p, s.profile_id, s.change
                  FROM crm_profile_history_set s, unnest(s.partner_ids) p WHERE s.profile_id = ANY(%(profiles)s)
            ), last AS (
                SELECT DISTINCT ON (partner_id, profile_id) partner_id, profile_id, change
                  FROM history ORDER BY partner_id, profile_id, serial DESC
            )
            SELECT l.partner_id, l.profile_id, l.change, r.partner_id IS NOT NULL
              FROM last l
              LEFT JOIN res_partner_res_partner_category_rel r
                     ON r.partner_id = l.partner_id AND r.category_id = l.profile_id
        """, profiles=profiles))
        pairs = cr.fetchall()
    mismatches = [(partner_id, profile_id, change, carries) for partner_id, profile_id, change, carries in pairs
                  if (change == 'add') != carries]
    return jobs, len(pairs), mismatches


def log_records(logfile):
    """The server log as (first line, whole record): a line with a timestamp and the lines after
    it (the query of a bad query, a traceback)."""
    records = []
    lines = Path(logfile).read_text(errors='replace').splitlines() if os.path.exists(logfile) else []
    for line in lines:
        if line[:4].isdigit() and line[4:5] == '-' or not records:
            records.append([line, line])
        else:
            records[-1][1] += '\n' + line
    return records


def report(stats, jobs, pairs, mismatches, lost, done, hung, logfile, durations):
    problems = []
    print(f"\nLoad test: {N} contacts, {USERS} users x {CLICKS} clicks, threshold {THRESHOLD}, "
          f"2 HTTP workers, 2 cron workers")
    print(f"setup {durations['setup']:.1f} s, server start {durations['start']:.1f} s, "
          f"requests {durations['load']:.1f} s, jobs finished after {durations['jobs']:.1f} s\n")
    kinds = defaultdict(list)
    for kind, elapsed, error in stats.rows:
        kinds[kind].append((elapsed, error))
    print(f"| {'requests':<10} | {'count':>5} | {'errors':>6} | {'median':>8} | {'p95':>8} | {'max':>8} |")
    print(f"|{'-' * 12}|{'-' * 7}|{'-' * 8}|{'-' * 10}|{'-' * 10}|{'-' * 10}|")
    for kind in ('login', 'read', 'click', 'wizard', 'undo'):
        rows = kinds.get(kind, [])
        if not rows:
            continue
        times = sorted(elapsed * 1000 for elapsed, _error in rows)
        p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
        print(f"| {kind:<10} | {len(rows):>5} | {sum(1 for _e, error in rows if error):>6} | "
              f"{statistics.median(times):>6.0f}ms | {p95:>6.0f}ms | {times[-1]:>6.0f}ms |")
    print("\n| job | name                           | state   | contacts       | sets | seconds | twice |")
    print(f"|{'-' * 5}|{'-' * 32}|{'-' * 9}|{'-' * 16}|{'-' * 6}|{'-' * 9}|{'-' * 7}|")
    for job_id, name, state, total, done_count, failure, seconds, sets, twice in jobs:
        print(f"| {job_id:>3} | {name[:30]:<30} | {state:<7} | {done_count:>6}/{total:<7} | {sets:>4} | "
              f"{seconds:>7.1f} | {twice:>5} |")
        if state in ('failed', 'queued', 'running'):
            problems.append(f"job {job_id} is {state}" + (f": {failure}" if failure else ""))
        if twice:
            problems.append(f"job {job_id} changed {twice} contacts twice")
    print(f"\nhistory check: {pairs} contact/profile pairs with a history, {len(mismatches)} disagree with it")
    for partner_id, profile_id, change, carries in mismatches[:20]:
        print(f"  contact {partner_id}, profile {profile_id}: last change '{change}', "
              f"{'carries' if carries else 'does not carry'} it")
    if mismatches:
        problems.append(f"{len(mismatches)} contact/profile pairs disagree with their history")
    for kind, error in stats.errors()[:20]:
        print(f"  request error ({kind}): {error[:300]}")
    if errors := stats.errors():
        problems.append(f"{len(errors)} requests failed")
    if lost:
        problems.append(f"{len(lost)} clicks did not take: {lost[:5]}")
    for what in ('requester', 'undo'):
        if what not in done:
            problems.append(f"the {what} did not finish its requests")
    if hung:
        problems.append("requests were still running at the time limit")
    records = log_records(logfile)
    # PostgreSQL's refusals of a concurrent change, which Odoo logs as a bad query, then retries
    # (the request, or the batch: crm.background.job); a retry that gave up fails its request
    conflicts = [text for head, text in records if ' ERROR ' in head and ' odoo.sql_db: bad query' in head
                 and any(message in text for message in CONCURRENCY_ERRORS)]
    bad = [text for head, text in records if (' ERROR ' in head or ' CRITICAL ' in head) and text not in conflicts]
    warnings = [text for head, text in records if ' WARNING ' in head]
    retries = sum('tries left, try again' in head for head, _text in records)
    batch_retries = sum('the batch met concurrent changes' in head for head, _text in records)
    print(f"server log: {len(bad)} errors, {len(warnings)} warnings; {len(conflicts)} statements met a concurrent "
          f"transaction, {retries} requests and {batch_retries} batches were tried again ({logfile})")
    for text in (bad + warnings)[:20]:
        print("  " + "\n  ".join(text.splitlines()[:8])[:1500])
    if bad:
        problems.append(f"the server logged {len(bad)} errors")
    print("\n" + ("FAILED:\n  " + "\n  ".join(problems) if problems else "OK: all checks passed"))
    return not problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('conf')
    parser.add_argument('db')
    parser.add_argument('--clone-from', help="copy this database (the module installed) instead of using DB as is")
    parser.add_argument('--drop', action='store_true', help="drop DB and its filestore at the end")
    args = parser.parse_args()
    if 2 * N // 3 <= THRESHOLD:
        parser.error(f"THRESHOLD ({THRESHOLD}) must stay below the smaller assignment (2/3 of N = {2 * N // 3}), "
                     "or it runs in the request instead of the background")
    config.parse_config(['-c', args.conf, '--log-level=warn'])
    deadline = time.monotonic() + TIMEOUT
    start = time.monotonic()
    logdir = tempfile.mkdtemp(prefix='crm_tg_loadtest_')
    logfile = os.path.join(logdir, 'server.log')
    server, ok = None, False
    try:
        if args.clone_from:
            clone_database(args.clone_from, args.db)
        data = setup(args.db)
        Registry.delete(args.db)
        close_db(args.db)
        durations = {'setup': time.monotonic() - start}
        server, base = start_server(args.db, logfile)
        durations['start'] = time.monotonic() - start - durations['setup']
        stats = Stats()
        load_start = time.monotonic()
        done, lost, hung = run_load(args.db, base, data, stats, deadline)
        durations['load'] = time.monotonic() - load_start
        wait_for_jobs(args.db, deadline)
        durations['jobs'] = time.monotonic() - load_start
        jobs, pairs, mismatches = check(args.db, data)
        stop_server(server)
        ok = report(stats, jobs, pairs, mismatches, lost, done, hung, logfile, durations)
    finally:
        if server:
            stop_server(server)
        if args.drop:
            drop_database(args.db)
        if ok and args.drop:
            shutil.rmtree(logdir, ignore_errors=True)
    sys.exit(0 if ok else 1)


if __name__ == '__main__':
    main()
