"""make bench: speed of the tagging paths on N generated contacts, each figure the median of
several runs, as a ratio against a floor measured in the same run.

Usage (through the harness): N=100000 RUNS=3 PARTS=wizard,count,click scripts/harness.sh bench
Parts: wizard, count, campaign, invite (in this process); click, export (over HTTP, one worker);
answers (over HTTP against --workers=2: ANSWERS answers posted by CLIENTS concurrent clients,
scripts/bench_answers.py).
"""
import json
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import psycopg2

import odoo
from odoo import SUPERUSER_ID, api
from odoo.fields import Command
from odoo.modules.registry import Registry
from odoo.sql_db import connection_info_for
from odoo.tools import SQL, config

N = int(os.environ.get('N', 100000))
RUNS = int(os.environ.get('RUNS', 3))
CLICKS = int(os.environ.get('CLICKS', 30))
PARTS = os.environ.get('PARTS', 'wizard,count,click,export,campaign,invite,answers').split(',')
# campaign history entries generated for PARTS=campaign (mail events, touches, leads, orders)
HISTORY = int(os.environ.get('HISTORY', 1000000))
# recipients of a mailing sent and opened, for the cost of the campaign contacts' triggers
SENT = int(os.environ.get('SENT', 2000))
DB = sys.argv[2]
config.parse_config(['-c', sys.argv[1], '-d', DB])


def median_time(env, fn, runs=RUNS):
    """Median wall time of fn(), each run rolled back so that every run starts alike."""
    times = []
    for _ in range(runs):
        env.cr.execute("SAVEPOINT bench")
        env.invalidate_all()
        start = time.perf_counter()
        fn()
        env.flush_all()
        times.append(time.perf_counter() - start)
        env.cr.execute("ROLLBACK TO SAVEPOINT bench")
        env.invalidate_all()
    return statistics.median(times)


def build(env):
    """N contacts by SQL (as an import would leave them) and a profile tree 6 levels deep."""
    env.cr.execute(SQL("""
        INSERT INTO res_partner (name, complete_name, active, type, is_company, lang, create_date, write_date,
                                 street, zip, city, email, crm_salutation, autopost_bills)
        SELECT 'Bench ' || g, 'Bench ' || g, true, 'contact', false, 'en_US', now(), now(),
               'Street ' || g, lpad((g %% 99991)::text, 5, '0'), 'City ' || (g %% 500),
               'bench' || g || '@example.com', CASE WHEN g %% 2 = 0 THEN 'ms' ELSE 'mr' END, 'ask'
          FROM generate_series(1, %s) g
    """, N))
    category = env['crm.profile.category'].create({'name': 'Bench'})
    parent = root = env['res.partner.category'].create({'name': 'Bench root', 'profile_category_id': category.id})
    levels = [root]
    for level in range(5):
        parent = env['res.partner.category'].create([{'name': f'Level {level} {i}', 'parent_id': parent.id}
                                                    for i in range(3)])[0]
        levels.append(parent)
    # every tenth contact carries the deepest profile, every seventh one of the middle
    env.cr.execute(SQL("""
        INSERT INTO res_partner_res_partner_category_rel (category_id, partner_id)
        SELECT CASE WHEN id %% 10 = 0 THEN %s ELSE %s END, id FROM res_partner
         WHERE name LIKE 'Bench %%' AND (id %% 10 = 0 OR id %% 7 = 0)
    """, levels[-1].id, levels[2].id))
    target = env['res.partner.category'].create({'name': 'Bench target', 'profile_category_id': category.id})
    # planner statistics, as autovacuum keeps them in a database in use
    env.cr.execute("ANALYZE res_partner, res_partner_res_partner_category_rel, res_partner_category")
    env.cr.commit()
    return root, target


def bench_wizard_and_undo(env, target):
    Partner = env['res.partner']
    partners = Partner.search([('name', '=like', 'Bench %')])
    domain = repr([('name', '=like', 'Bench %')])
    rel = SQL("res_partner_res_partner_category_rel")

    def operation():
        """As the wizard makes it: created as superuser (assignments are read-only to users), run as the user."""
        return env['crm.profile.operation'].sudo().create({
            'name': 'bench', 'mode': 'add', 'profile_ids': target.ids, 'domain': domain,
            'partner_total': len(partners), 'user_id': env.uid}).sudo(False)

    def sql_add():
        env.cr.execute(SQL("""INSERT INTO %s (category_id, partner_id)
                              SELECT %s, id FROM res_partner WHERE name LIKE 'Bench %%'
                              ON CONFLICT DO NOTHING""", rel, target.id))

    def wizard():
        operation()._run_now()

    def stock():
        partners.write({'category_id': [Command.link(target.id)]})

    rows = [('wizard: tag N contacts', median_time(env, wizard), median_time(env, sql_add),
             median_time(env, stock, runs=1))]

    def undo_rows(what, operation, sql_remove, stock_remove):
        """Undo measured from the state where the operation is done."""
        env.cr.execute("SAVEPOINT undo_base")
        operation._run_now()
        env.flush_all()
        row = (what, median_time(env, operation.action_undo), median_time(env, sql_remove),
               median_time(env, stock_remove, runs=1))
        env.cr.execute("ROLLBACK TO SAVEPOINT undo_base")
        env.invalidate_all()
        return row

    rows.append(undo_rows(
        'undo of that operation', operation(),
        lambda: env.cr.execute(SQL("DELETE FROM %s WHERE category_id = %s", rel, target.id)),
        lambda: partners.write({'category_id': [Command.unlink(target.id)]})))

    # the same, where every tenth contact carried the profile before: undo must leave those
    env.cr.execute("SAVEPOINT holders")
    env.cr.execute(SQL("""INSERT INTO %s (category_id, partner_id)
                          SELECT %s, id FROM res_partner WHERE name LIKE 'Bench %%' AND id %% 10 = 0""", rel, target.id))
    added = partners.filtered(lambda partner: partner.id % 10)
    rows.append(undo_rows(
        'undo, where others carried the profile before', operation(),
        lambda: env.cr.execute(SQL("DELETE FROM %s WHERE category_id = %s AND partner_id = ANY(%s::int4[])",
                                   rel, target.id, "{%s}" % ",".join(map(str, added.ids)))),
        lambda: added.write({'category_id': [Command.unlink(target.id)]})))
    env.cr.execute("ROLLBACK TO SAVEPOINT holders")
    env.invalidate_all()
    return rows


def bench_count(env, root):
    Partner = env['res.partner']

    def orm():
        Partner.search_count([('category_id', 'child_of', root.id)])

    def sql():
        env.cr.execute(SQL("""
            SELECT count(DISTINCT r.partner_id) FROM res_partner_res_partner_category_rel r
              JOIN res_partner_category t ON t.id = r.category_id
              JOIN res_partner p ON p.id = r.partner_id AND p.active
             WHERE t.parent_path LIKE %s""", f'{root.parent_path}%'))
    return [('count contacts of a profile with 5 levels below', median_time(env, orm, RUNS * 3),
             median_time(env, sql, RUNS * 3), None)]


def bench_campaign(env):
    """One campaign's statistics over HISTORY history entries, against a hand-written aggregate
    of the same numbers over Odoo's tables; a list of 200 campaigns with their statistics against
    Odoo's own campaign list (Email Marketing's, with its mailing statistics); a contact's timeline."""
    sys_env = env(su=True)
    campaign = sys_env['utm.campaign'].create({'name': 'Bench campaign'})
    sub = sys_env['utm.campaign'].create({'name': 'Bench sub-campaign', 'parent_id': campaign.id})
    mailing = sys_env['mailing.mailing'].create({
        'subject': 'Bench', 'mailing_model_id': sys_env['ir.model']._get_id('res.partner'),
        'campaign_id': campaign.id, 'body_html': '<p>Bench</p>', 'email_from': 'bench@example.com'})
    sys_env['crm.campaign.cost'].create({'campaign_id': campaign.id, 'name': 'Druck', 'amount': 5000.0})
    env.cr.execute("SELECT min(id), max(id) FROM res_partner WHERE name LIKE 'Bench %'")
    low, high = env.cr.fetchone()
    # per 20 entries: 6 traces (6 sent, 3 opened, 1 clicked, 1 replied -> 11 events), 6 touches,
    # 1 lead (won every other), 1 order with one line
    units = HISTORY // 20
    company, currency = env.company.id, env.company.currency_id.id
    env.cr.execute(SQL("""
        INSERT INTO mailing_trace (trace_type, model, res_id, mass_mailing_id, campaign_id, trace_status,
                                   sent_datetime, open_datetime, links_click_datetime, reply_datetime, create_date)
        SELECT 'mail', 'res.partner', %(low)s + g %% (%(high)s - %(low)s + 1), %(mailing)s, %(campaign)s, 'sent',
               now() - interval '30 days', CASE WHEN g %% 2 = 0 THEN now() - interval '29 days' END,
               CASE WHEN g %% 6 = 0 THEN now() - interval '29 days' END,
               CASE WHEN g %% 6 = 3 THEN now() - interval '28 days' END, now()
          FROM generate_series(1, %(traces)s) g;
        INSERT INTO crm_campaign_touch (partner_id, campaign_id, kind, date, user_id)
        SELECT %(low)s + g %% (%(high)s - %(low)s + 1), CASE WHEN g %% 3 = 0 THEN %(sub)s ELSE %(campaign)s END,
               (ARRAY['letter', 'letter', 'letter', 'call', 'call', 'response'])[1 + g %% 6],
               now() - interval '20 days', 2
          FROM generate_series(1, %(touches)s) g;
        INSERT INTO crm_lead (name, type, partner_id, campaign_id, won_status, date_closed, create_date, active)
        SELECT 'Bench lead ' || g, 'opportunity', %(low)s + g %% (%(high)s - %(low)s + 1), %(campaign)s,
               CASE WHEN g %% 2 = 0 THEN 'won' ELSE 'pending' END,
               CASE WHEN g %% 2 = 0 THEN now() - interval '10 days' END, now() - interval '15 days', true
          FROM generate_series(1, %(units)s) g;
        WITH orders AS (
            INSERT INTO sale_order (name, company_id, partner_id, partner_invoice_id, partner_shipping_id, date_order,
                                    state, campaign_id, amount_untaxed, currency_id)
            SELECT 'BENCH' || g, %(company)s, p, p, p, now() - interval '5 days', 'sale', %(sub)s, 100, %(currency)s
              FROM generate_series(1, %(units)s) g, LATERAL (SELECT %(low)s + g %% (%(high)s - %(low)s + 1) AS p) x
         RETURNING id)
        INSERT INTO sale_order_line (order_id, name, product_uom_qty, price_unit, customer_lead, untaxed_amount_invoiced)
        SELECT id, 'Software', 2, 50, 0, 50 FROM orders;
    """, low=low, high=high, mailing=mailing.id, campaign=campaign.id, sub=sub.id, traces=units * 6,
        touches=units * 6, units=units, company=company, currency=currency))
    # 198 more campaigns for the list, each with a few touches
    others = sys_env['utm.campaign'].create([{'name': f'Bench list {i}'} for i in range(198)])
    env.cr.execute(SQL("""
        INSERT INTO crm_campaign_touch (partner_id, campaign_id, kind, date, user_id)
        SELECT %s + g, c, 'letter', now(), 2 FROM unnest(%s::int[]) c, generate_series(1, 50) g
    """, low, others.ids))
    env.cr.execute("ANALYZE mailing_trace, crm_campaign_touch, crm_lead, sale_order, sale_order_line")
    env.cr.execute(SQL("SELECT count(*) FROM crm_campaign_history WHERE campaign_id IN %s", (campaign.id, sub.id)))
    entries = env.cr.fetchone()[0]
    campaigns = env['utm.campaign'].browse(campaign.id)

    def statistics_ours():
        campaigns.invalidate_recordset()
        assert campaigns.campaign_reached_count > 0 and campaigns.campaign_revenue > 0

    def statistics_sql():
        env.cr.execute(SQL("""
            WITH c AS (SELECT id FROM utm_campaign WHERE parent_path LIKE %(path)s),
                 mail AS (SELECT res_id AS partner_id, open_datetime, links_click_datetime, reply_datetime
                            FROM mailing_trace WHERE campaign_id IN (SELECT id FROM c) AND model = 'res.partner'),
                 touch AS (SELECT partner_id, kind FROM crm_campaign_touch WHERE campaign_id IN (SELECT id FROM c))
            SELECT (SELECT count(DISTINCT partner_id) FROM (SELECT partner_id FROM mail UNION ALL
                           SELECT partner_id FROM touch WHERE kind IN ('letter', 'call')) r),
                   (SELECT count(DISTINCT partner_id) FROM mail),
                   (SELECT count(DISTINCT partner_id) FROM mail WHERE open_datetime IS NOT NULL),
                   (SELECT count(DISTINCT partner_id) FROM mail WHERE links_click_datetime IS NOT NULL),
                   (SELECT count(DISTINCT partner_id) FROM mail WHERE reply_datetime IS NOT NULL),
                   (SELECT count(DISTINCT partner_id) FROM touch WHERE kind = 'response'),
                   (SELECT count(DISTINCT partner_id) FROM (SELECT partner_id FROM touch WHERE kind = 'response'
                           UNION ALL SELECT partner_id FROM mail WHERE reply_datetime IS NOT NULL) r),
                   (SELECT array[count(*), count(*) FILTER (WHERE won_status = 'won')]
                      FROM crm_lead WHERE campaign_id IN (SELECT id FROM c) AND partner_id IS NOT NULL),
                   (SELECT array[count(*), sum(amount_untaxed)] FROM sale_order
                     WHERE campaign_id IN (SELECT id FROM c) AND state = 'sale'),
                   (SELECT array[sum(l.product_uom_qty), sum(l.untaxed_amount_invoiced)] FROM sale_order_line l
                      JOIN sale_order o ON o.id = l.order_id WHERE o.campaign_id IN (SELECT id FROM c) AND o.state = 'sale'),
                   (SELECT sum(amount) FROM crm_campaign_cost WHERE campaign_id IN (SELECT id FROM c))
        """, path=f'{campaign.parent_path}%'))
        env.cr.fetchall()

    rows = [(f'statistics of one campaign over {entries} history entries', median_time(env, statistics_ours),
             median_time(env, statistics_sql), None)]

    Campaign = env['utm.campaign']
    everything = campaigns | others | sub

    def list_of(view_xmlid, extra=()):
        view = env.ref(view_xmlid)
        arch = Campaign.get_views([(view.id, 'list')])['views']['list']['arch']
        names = [name for name in re.findall(r'<field name="(\w+)"', arch) if name in Campaign._fields]
        spec = {name: {} for name in [*names, *extra]}
        return lambda: Campaign.web_search_read([('id', 'in', everything.ids)], spec, limit=200)

    # Odoo's list with the mailing statistics its kanban shows
    stock = list_of('utm.utm_campaign_view_tree', ('mailing_mail_count', 'received_ratio', 'opened_ratio',
                                                   'replied_ratio', 'bounced_ratio'))
    rows.append(('list of 200 campaigns with their statistics',
                 median_time(env, list_of('crm_target_groups.utm_campaign_view_list')), median_time(env, stock), None))
    # what the campaign contacts' triggers cost Odoo's mailings: a mailing sent (its mails and
    # traces created, as Odoo's send does before the mail queue) and every mail opened, against
    # the same with the triggers switched off
    sending = sys_env['mailing.mailing'].create({
        'subject': 'Bench send', 'mailing_model_id': sys_env['ir.model']._get_id('res.partner'),
        'mailing_domain': repr([('id', '>=', low), ('id', '<', low + SENT)]), 'campaign_id': campaign.id,
        'body_html': '<p>Bench</p>', 'email_from': 'bench@example.com'})

    def send(disable=False):
        def run():
            if disable:
                env.cr.execute("ALTER TABLE mailing_trace DISABLE TRIGGER USER")
            # as in Odoo's tests: the send commits between its batches otherwise (no run to roll back)
            odoo.modules.module.current_test = True
            try:
                sending.action_send_mail()
            finally:
                odoo.modules.module.current_test = False
            sending.mailing_trace_ids.set_opened()
        return run
    rows.append((f'a mailing to {SENT} contacts sent and opened', median_time(env, send()),
                 median_time(env, send(disable=True)), None))
    partner_id = low + 7
    History = env['crm.campaign.history']

    def timeline():
        History.search_fetch([('partner_id', '=', partner_id)], ['date', 'event', 'campaign_id', 'medium_id'], limit=80)

    def timeline_sql():
        env.cr.execute(SQL("""
            SELECT id, date FROM crm_campaign_touch WHERE partner_id = %(p)s
             UNION ALL SELECT id, sent_datetime FROM mailing_trace WHERE res_id = %(p)s AND model = 'res.partner'
        """, p=partner_id))
        env.cr.fetchall()
    rows.append(("a contact's campaign timeline", median_time(env, timeline, RUNS * 3),
                 median_time(env, timeline_sql, RUNS * 3), None))
    return rows


def bench_invite(env):
    """Inviting a target group of N members (everyone tagged with one profile) to an event, through
    the wizard run in the request (the sync threshold raised above N: what each batch of the
    background job does, in one statement), against a raw INSERT ... SELECT of the same
    registrations (the same columns and values, random tokens and barcodes included)."""
    sys_env = env(su=True)
    profile = sys_env['res.partner.category'].create({'name': 'Bench invitation'})
    env.cr.execute(SQL("""INSERT INTO res_partner_res_partner_category_rel (category_id, partner_id)
                          SELECT %s, id FROM res_partner WHERE name LIKE 'Bench %%'""", profile.id))
    env.cr.execute("ANALYZE res_partner_res_partner_category_rel")
    group = env['crm.target.group'].create({'name': 'Bench invitees', 'include_profile_ids': [Command.set(profile.ids)]})
    campaign = sys_env['utm.campaign'].create({'name': 'Bench party'})
    event = sys_env['event.event'].create({
        'name': 'Bench party', 'date_begin': '2099-06-01 16:00:00', 'date_end': '2099-06-01 22:00:00'})
    sys_env['ir.config_parameter'].set_param('crm_target_groups.sync_threshold', str(N + 1))
    env.flush_all()

    def wizard():
        invite = env['crm.event.invite'].create({'event_id': event.id, 'target_group_id': group.id,
                                                 'campaign_id': campaign.id})
        assert not invite.in_background and invite.new_count == N, (invite.in_background, invite.new_count)
        invite.action_invite()

    def sql_insert():
        env.cr.execute(SQL("""
            INSERT INTO event_registration (
                   event_id, partner_id, name, email, phone, company_name, company_id, state, active, barcode,
                   utm_campaign_id, crm_invitation_state, crm_invitation_token, crm_companions,
                   crm_target_group_id, create_uid, create_date, write_uid, write_date)
            SELECT %(event)s, p.id, p.name, p.email, p.phone, p.company_name, %(company)s, 'draft', TRUE,
                   (('x' || left(md5(gen_random_uuid()::text), 16))::bit(64)::bigint & 9223372036854775807)::text,
                   %(campaign)s, 'invited', replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''),
                   0, %(group)s, %(uid)s, now(), %(uid)s, now()
              FROM res_partner p JOIN res_partner_res_partner_category_rel r ON r.partner_id = p.id
             WHERE r.category_id = %(profile)s
        """, event=event.id, company=event.company_id.id or None, campaign=campaign.id, group=group.id,
            uid=env.uid, profile=profile.id))
        assert env.cr.rowcount == N, env.cr.rowcount
    return [('invite a target group of N to an event', median_time(env, wizard), median_time(env, sql_insert), None)]


def bench_http(target_id):
    """Against a running server, over HTTP: one click in assignment mode, and the address export."""
    port = int(os.environ.get('BENCH_PORT', 8099))
    server = subprocess.Popen(
        [sys.executable, '-m', 'odoo', '-c', sys.argv[1], '-d', DB, f'--http-port={port}',
         '--http-interface=127.0.0.1', '--workers=0', '--max-cron-threads=0', '--log-level=warn'],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f'http://127.0.0.1:{port}'
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        for _ in range(120):
            try:
                opener.open(base + '/web/login', timeout=2)
                break
            except OSError:
                time.sleep(1)

        def rpc(path, params):
            body = json.dumps({'jsonrpc': '2.0', 'method': 'call', 'params': params}).encode()
            request = urllib.request.Request(base + path, body, {'Content-Type': 'application/json'})
            start = time.perf_counter()
            reply = json.loads(opener.open(request, timeout=30).read())
            elapsed = time.perf_counter() - start
            if 'error' in reply:
                raise RuntimeError(reply['error'])
            return elapsed, reply['result']

        def call(model, method, *args, **kwargs):
            return rpc(f'/web/dataset/call_kw/{model}/{method}',
                       {'model': model, 'method': method, 'args': args, 'kwargs': kwargs})

        rpc('/web/session/authenticate', {'db': DB, 'login': 'admin', 'password': 'admin'})
        rows = bench_click(call, target_id) if 'click' in PARTS else []
        rows += bench_export(opener, base, call, server.pid) if 'export' in PARTS else []
        return rows
    finally:
        server.terminate()
        server.wait()


def bench_click(call, target_id):
    """One click: web_save of the assignment mark, against a web_read of the same row."""
    _elapsed, ids = call('res.partner', 'search', [('name', '=like', 'Bench %')], limit=CLICKS)
    context = {'crm_assign_profile_id': target_id}
    specification = {'crm_profile_assigned': {}, 'category_id': {}}
    clicks, floors = [], []
    for partner_id in ids:
        for value in (True, False):
            clicks.append(call('res.partner', 'web_save', [partner_id], {'crm_profile_assigned': value},
                               specification=specification, context=context)[0])
        floors.append(call('res.partner', 'web_read', [partner_id], specification=specification,
                           context=context)[0])
    return [('one click in assignment mode (HTTP round trip)', statistics.median(clicks),
             statistics.median(floors), None)]


def bench_export(opener, base, call, pid):
    """The address list of N contacts against Odoo's own Excel export of the same fields; with the
    server's peak memory growth during each download."""
    domain = [('name', '=like', 'Bench %')]

    def download(url, data=None):
        Path(f'/proc/{pid}/clear_refs').write_text('5')  # resets the peak RSS
        before = memory(pid, 'VmRSS')
        start = time.perf_counter()
        size = len(opener.open(urllib.request.Request(url, data), timeout=600).read())
        elapsed = time.perf_counter() - start
        assert size > N * 10, f"{url}: {size} bytes for {N} rows"
        return elapsed, memory(pid, 'VmHWM') - before

    ours, stock = [], []
    for _ in range(RUNS):
        _elapsed, export_id = call('crm.address.export', 'create', {'partner_domain': repr(domain)})
        ours.append(download(f'{base}/crm_target_groups/address_export/{export_id}'))
    fnames = ['name', 'company_name', 'street', 'street2', 'zip', 'city', 'country_id', 'email', 'phone']
    data = json.dumps({'model': 'res.partner', 'fields': [{'name': f, 'label': f} for f in fnames], 'ids': False,
                       'domain': domain, 'import_compat': False})
    page = opener.open(f'{base}/odoo', timeout=60).read().decode()
    token = re.search(r'csrf_token: "([^"]+)"', page).group(1)
    stock.append(download(f'{base}/web/export/xlsx', urllib.parse.urlencode({'data': data, 'csrf_token': token}).encode()))
    ours_time, ours_mb = statistics.median(t for t, _m in ours), max(m for _t, m in ours)
    return [('address list of N contacts (xlsx download)', ours_time, stock[0][0], None),
            (f'  its server memory peak: ours {ours_mb:.0f} MB, stock {stock[0][1]:.0f} MB', None, None, None)]


def memory(pid, key):
    """A /proc/<pid>/status figure, in MB."""
    for line in Path(f'/proc/{pid}/status').read_text().splitlines():
        if line.startswith(key + ':'):
            return int(line.split()[1]) / 1024
    raise KeyError(key)


def settle():
    """Vacuums what the rolled-back runs left behind, so that the HTTP parts do not run alongside
    autovacuum, as they would not in a database in use."""
    _name, info = connection_info_for(DB)
    connection = psycopg2.connect(**info)
    connection.autocommit = True
    connection.cursor().execute("VACUUM ANALYZE")
    connection.close()


def main():
    registry = Registry(DB)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        admin = env.ref('base.user_admin')
        admin.password = 'admin'
        root, target = build(env)
        env = env(user=admin)  # a manager, through the rights like a user
        rows = bench_wizard_and_undo(env, target) if 'wizard' in PARTS else []
        rows += bench_count(env, root) if 'count' in PARTS else []
        rows += bench_campaign(env) if 'campaign' in PARTS else []
        rows += bench_invite(env) if 'invite' in PARTS else []
        cr.rollback()
    settle()
    rows += bench_http(target.id) if {'click', 'export'} & set(PARTS) else []
    problems = []
    if 'answers' in PARTS:
        from bench_answers import bench_answers  # noqa: PLC0415 -- scripts/, beside this one
        try:
            answer_rows, problems = bench_answers(DB)
            rows += answer_rows
        except Exception as exc:  # noqa: BLE001 -- the other parts' figures are printed all the same
            problems = [f"the answers part failed: {exc!r}"]

    print(f"\nN = {N} contacts, median of {RUNS} runs (stock path: 1 run)\n")
    print(f"| {'what':<50} | {'ours':>9} | {'floor':>9} | {'ratio':>6} | {'stock path':>10} | {'stock/floor':>11} |")
    print(f"|{'-' * 52}|{'-' * 11}|{'-' * 11}|{'-' * 8}|{'-' * 12}|{'-' * 13}|")
    for what, ours, floor, stock in rows:
        if ours is None:
            print(f"| {what:<50} | {'':>9} | {'':>9} | {'':>6} | {'':>10} | {'':>11} |")
            continue
        stock_cells = f"{stock * 1000:>8.0f}ms | {stock / floor:>10.1f}x" if stock else f"{'':>10} | {'':>11}"
        print(f"| {what:<50} | {ours * 1000:>7.1f}ms | {floor * 1000:>7.1f}ms | {ours / floor:>5.2f}x | {stock_cells} |")
    print("\nFloors: raw SQL on the relation table (wizard, undo, count); a web_read of the same row (click); "
          "Odoo's own Excel export of the same contacts (address list); a raw INSERT ... SELECT of the same "
          "registrations (invite); the server time of the answer page's GET in the same load (answers).")
    if problems:
        print("\nFAILED:\n  " + "\n  ".join(problems))
        sys.exit(1)


if __name__ == '__main__':
    main()
