"""PARTS=answers of make bench: invitees answering on the public page at once.

ANSWERS invitations of the bench's contacts (created by the invitation wizard's statement, as the
server) are answered by CLIENTS concurrent clients against Odoo on 127.0.0.1 with --workers=2
(started and stopped as `make loadtest` does it: scripts/loadtest.py). Each client is one browser
(its own cookie jar, hence its own session): it opens an invitation's page (GET), takes Odoo's CSRF
token from the page's form and posts the answer (POST, the 303 not followed). Every tenth
invitation is posted a second time with the same answer (a double click: nothing may change), every
tenth other one changes its answer (a second history entry).

The server time of a request is what Odoo's request log says of it (--log-level=info: the werkzeug
line of each request ends with its query count, time in SQL and remaining time; their sum is the
time from the request's start in the worker to its response), so that the clients' own Python, on
the same two cores, does not count. The clients' round trip is reported beside it.

Afterwards the database must hold every answer exactly once: each invitation in its last answer,
answered through the mail link, with one campaign history touch per change of answer.

Standalone (tests/test_bench_answers.py, in CI size), on a copy of a database with the module:
    python scripts/bench_answers.py ODOO_CONF DB --clone-from SOURCE   (DB is dropped at the end)
"""
import argparse
import http.cookiejar
import os
import re
import shutil
import sys
import statistics
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import closing

from loadtest import clone_database, drop_database, log_records, start_server, stop_server

from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.sql_db import close_db, db_connect
from odoo.tools import SQL, config

ANSWERS = int(os.environ.get('ANSWERS', 2000))
CLIENTS = int(os.environ.get('CLIENTS', 20))
TIMEOUT = float(os.environ.get('ANSWER_TIMEOUT', 300))
TARGET_MS = float(os.environ.get('ANSWER_TARGET_MS', 50))
PAGE = re.compile(r'"(GET|POST) /crm_target_groups/invitation/(\d+)/\S+ HTTP/[\d.]+" (\d{3}) \S+ '
                  r'(\d+) ([\d.]+) ([\d.]+)')
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """The answer's 303 is its response: the page it leads to is another request."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def setup(db):
    """An event in the future and ANSWERS invitations of the bench's contacts, committed."""
    with Registry(db).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        campaign = env['utm.campaign'].create({'name': 'Bench answers'})
        event = env['event.event'].create({
            'name': 'Bench answers', 'date_begin': '2099-06-01 16:00:00', 'date_end': '2099-06-01 22:00:00'})
        cr.execute("SELECT count(*) FROM res_partner WHERE name LIKE 'Bench %'")
        if (missing := ANSWERS - cr.fetchone()[0]) > 0:  # standalone: a database without the bench's contacts
            cr.execute(SQL("""
                INSERT INTO res_partner (name, complete_name, active, type, is_company, lang, create_date,
                                         write_date, email, autopost_bills)
                SELECT 'Bench ' || g, 'Bench ' || g, true, 'contact', false, 'en_US', now(), now(),
                       'bench' || g || '@example.com', 'ask'
                  FROM generate_series(1, %s) g
            """, missing))
        cr.execute(SQL("SELECT id FROM res_partner WHERE name LIKE 'Bench %%' ORDER BY id LIMIT %s", ANSWERS))
        ids = [row[0] for row in cr.fetchall()]
        count = env['event.registration']._crm_insert_invitations(event, ids, env['crm.target.group'], campaign)
        assert count == ANSWERS, count
        cr.execute(SQL("""SELECT id, crm_invitation_token FROM event_registration
                           WHERE event_id = %s ORDER BY id""", event.id))
        return event.id, cr.fetchall()


def plan(invitations):
    """Per invitation, the answers posted in order: one; the same twice (every tenth); or an
    answer then the other (every tenth, offset by five)."""
    posts = []
    for index, (registration_id, token) in enumerate(invitations):
        first = 'attending' if index % 2 else 'declined'
        other = 'declined' if first == 'attending' else 'attending'
        answers = [first, first] if index % 10 == 0 else [first, other] if index % 10 == 5 else [first]
        posts.append((registration_id, token, answers))
    return posts


def client(base, posts, deadline, results, lock):
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                         NoRedirect())
    for registration_id, token, answers in posts:
        path = f'{base}/crm_target_groups/invitation/{registration_id}/{token}'
        for repeat, answer in enumerate(answers):
            if time.monotonic() > deadline:
                return
            timeout = max(1.0, min(60.0, deadline - time.monotonic()))
            error, elapsed = None, None
            try:
                page = opener.open(path, timeout=timeout).read().decode()
                body = urllib.parse.urlencode({'csrf_token': CSRF.search(page).group(1), 'channel': 'mail',
                                               'answer': answer, 'companions': '1' if answer == 'attending' else '0',
                                               'comment': ''}).encode()
                start = time.perf_counter()
                try:
                    opener.open(urllib.request.Request(path, body), timeout=timeout).read()
                    error = "no redirect after the answer"
                except urllib.error.HTTPError as exc:
                    if exc.code != 303:
                        error = f"HTTP {exc.code}"
                elapsed = time.perf_counter() - start
            except Exception as exc:  # noqa: BLE001 -- every failed answer is counted and reported
                error = repr(exc)
            with lock:
                results.append((registration_id, 'repeat' if repeat else 'first', elapsed, error))


def check(db, event_id, posts):
    """Each invitation in its last answer, through the mail link, with a touch per change."""
    expected = {registration_id: (answers[-1], 1 + (answers[0] != answers[-1]))
                for registration_id, _token, answers in posts}
    with closing(db_connect(db).cursor()) as cr:
        cr.execute(SQL("""
            SELECT r.id, r.crm_invitation_state, r.crm_answer_channel,
                   (SELECT count(*) FROM crm_campaign_touch t WHERE t.registration_id = r.id)
              FROM event_registration r WHERE r.event_id = %s
        """, event_id))
        rows = cr.fetchall()
    wrong = [(registration_id, state, channel, touches) for registration_id, state, channel, touches in rows
             if (state, touches) != expected.get(registration_id) or channel != 'mail']
    return len(rows), sum(touches for *_rest, touches in rows), sum(t for _a, t in expected.values()), wrong


def server_times(logfile, registration_ids):
    """Milliseconds per request of the invitation pages, from the server's request log."""
    times = {'GET': [], 'POST': []}
    for head, _text in log_records(logfile):
        if (match := PAGE.search(head)) and int(match.group(2)) in registration_ids:
            times[match.group(1)].append((float(match.group(5)) + float(match.group(6))) * 1000)
    return times


def bench_answers(db):
    """The rows of the bench's table, and the problems found (empty if all held)."""
    event_id, invitations = setup(db)
    Registry.delete(db)
    close_db(db)
    posts = plan(invitations)
    logdir = tempfile.mkdtemp(prefix='crm_tg_bench_answers_')
    logfile = os.path.join(logdir, 'server.log')
    server, base = start_server(db, logfile)
    results, lock = [], threading.Lock()
    try:
        deadline = time.monotonic() + TIMEOUT
        start = time.monotonic()
        threads = [threading.Thread(target=client, args=(base, posts[i::CLIENTS], deadline, results, lock))
                   for i in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        elapsed = time.monotonic() - start
        hung = any(thread.is_alive() for thread in threads)
    finally:
        stop_server(server)
    count, touches, expected_touches, wrong = check(db, event_id, posts)
    times = server_times(logfile, {registration_id for registration_id, _token in invitations})
    errors = [row for row in results if row[3]]
    firsts = [row for row in results if row[1] == 'first' and not row[3]]
    problems = []
    if hung:
        problems.append(f"clients still running after {TIMEOUT:.0f} s")
    if errors:
        problems.append(f"{len(errors)} answers failed, e.g. {errors[:3]}")
    if len(firsts) != ANSWERS:
        problems.append(f"{len(firsts)} of {ANSWERS} first answers posted")
    if wrong:
        problems.append(f"{len(wrong)} invitations not in their last answer or with a wrong history, e.g. {wrong[:3]}")
    if len(times['POST']) != len(results):
        problems.append(f"{len(times['POST'])} answers in the server log, {len(results)} posted ({logfile})")
    post_ms = statistics.median(times['POST'] or [0])
    if post_ms > TARGET_MS:
        problems.append(f"median server time per answer {post_ms:.1f} ms (target: at most {TARGET_MS:.0f} ms)")
    post_sorted = sorted(times['POST'] or [0])
    round_trip = statistics.median([row[2] for row in results if row[2] is not None] or [0]) * 1000
    rows = [
        (f'answer an invitation ({CLIENTS} clients, 2 workers; server)', post_ms / 1000,
         statistics.median(times['GET'] or [0]) / 1000, None),
        (f'  {len(results)} answers in {elapsed:.0f} s ({len(results) - len(firsts) - len(errors)} again or changed), '
         f'{len(errors)} failed', None, None, None),
        (f'  answer p95 {post_sorted[int(len(post_sorted) * 0.95)]:.0f} ms, max {post_sorted[-1]:.0f} ms; '
         f'client round trip median {round_trip:.0f} ms', None, None, None),
        (f'  stored: {count - len(wrong)}/{count} invitations right, {touches}/{expected_touches} touches',
         None, None, None),
    ]
    if not problems:
        shutil.rmtree(logdir, ignore_errors=True)
    return rows, problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('conf')
    parser.add_argument('db')
    parser.add_argument('--clone-from', required=True, help="copy this database (the module installed) into DB")
    args = parser.parse_args()
    config.parse_config(['-c', args.conf, '--log-level=warn'])
    clone_database(args.clone_from, args.db)
    try:
        rows, problems = bench_answers(args.db)
    finally:
        drop_database(args.db)
    for what, ours, floor, _stock in rows:
        print(what if ours is None else f"{what}: {ours * 1000:.1f} ms (GET {floor * 1000:.1f} ms)")
    print("FAILED:\n  " + "\n  ".join(problems) if problems else "OK: all checks passed")
    sys.exit(1 if problems else 0)


if __name__ == '__main__':
    main()
