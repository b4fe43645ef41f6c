"""Writes demo/res_partner_category_demo.xml and demo/res_partner_demo.xml: a German SME's
profile tree and ~200 contacts. Deterministic (fixed seed): run again after changing it."""
import random
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
rng = random.Random(19)

# (xml id, name, parent xml id or None, category xml id or None)
CATEGORIES = [
    # demo-only categories; the default ones ship as data
    ('crm_profile_category_offers_demo', 'Gratis-Angebote', False, False),
    ('crm_profile_category_projects_demo', 'Projekte', False, False),
    ('crm_profile_category_family_demo', 'Familienstand', True, False),
    ('crm_profile_category_politics_demo', 'Politisches Engagement', False, True),
]
TREE = {
    'crm_target_groups.crm_profile_category_events': [
        ('Allgemeine Kontakte', ['Messe Stuttgart 2025', 'Fachforum Köln 2025', 'Tag der offenen Tür 2026']),
    ],
    'crm_target_groups.crm_profile_category_relation': [
        ('Interessent', [('Interessent Beratung', ['Strategieberatung', 'IT-Beratung']),
                         ('Interessent Software', ['Lizenzen', 'Wartung'])]),
        ('Kunde', [('Kunde Beratung', ['Strategieberatung', 'IT-Beratung']),
                   ('Kunde Software', ['Lizenzen', 'Wartung'])]),
        ('Partner', ['Vertriebspartner', 'Technologiepartner']),
    ],
    'crm_profile_category_offers_demo': [
        ('Gratis-Angebot', ['Whitepaper', 'Webinar', 'Erstberatung']),
    ],
    'crm_profile_category_projects_demo': [
        ('Projekte', ['Digitalisierung 2026', 'ERP-Einführung']),
    ],
    'crm_target_groups.crm_profile_category_interests': [
        ('Sport', ['Fußball', 'Tennis', 'Radsport']),
        ('Kultur', ['Oper', 'Theater']),
        ('Reisen', []),
    ],
    'crm_target_groups.crm_profile_category_demographics': [
        ('Altersgruppe', ['unter 30', '30 bis 50', 'über 50']),
    ],
    'crm_profile_category_family_demo': [('ledig', []), ('verheiratet', []), ('verwitwet', [])],
    'crm_target_groups.crm_profile_category_price_sensitivity': [
        ('preisbewusst', []), ('qualitätsorientiert', []), ('Premium', []),
    ],
    'crm_target_groups.crm_profile_category_attitudes': [
        ('Nachhaltigkeit wichtig', []), ('technikaffin', []), ('traditionell', []),
    ],
    'crm_profile_category_politics_demo': [
        ('Kommunalpolitik', []), ('Verbandsarbeit', []),
    ],
}
# The example everyone tries first: the invitations to the company party, with its guests. Written
# as it stands here, without drawing from rng, so that the random profiles and contacts stay as they were.
PARTY_CATEGORY = 'crm_target_groups.crm_profile_category_events'
PARTY_TREE = ('Firmenfeier', ['Einladung Firmenfeier 2025', 'Einladung Firmenfeier 2026', 'Zusage Firmenfeier 2026'])
INVITED_2025, INVITED_2026, ACCEPTED_2026 = PARTY_TREE[1]
PARTY_GUESTS = [
    # name, salutation, academic title, company (index of a generated one) or None, street, zip, city, profiles
    ('Sabine Hartmann', 'ms', 'Dr.', 0, 'Königstraße 12', '70173', 'Stuttgart', [INVITED_2025, INVITED_2026, ACCEPTED_2026]),
    ('Thomas Berger', 'mr', None, 2, 'Zeil 81', '60311', 'Frankfurt am Main', [INVITED_2025, INVITED_2026]),
    ('Katharina Vogel', 'ms', None, None, 'Lindenallee 4', '50667', 'Köln', [INVITED_2026, ACCEPTED_2026]),
    ('Jürgen Lehmann', 'mr', 'Prof. Dr.', 5, 'Maximilianstraße 20', '80331', 'München', [INVITED_2026]),
    ('Petra Schulte', 'ms', None, None, 'Am Hafen 7', '20095', 'Hamburg', [INVITED_2025, INVITED_2026]),
    ('Markus Engel', 'mr', None, 7, 'Unter den Linden 40', '10115', 'Berlin', [INVITED_2026, ACCEPTED_2026]),
    ('Andrea Roth', 'ms', None, None, 'Kaiserstraße 55', '76133', 'Karlsruhe', [INVITED_2025]),
    ('Stefan Wolff', 'mr', 'Dr.', 4, 'Augustusplatz 9', '04109', 'Leipzig', [INVITED_2026]),
]
DEPARTMENTS = ['Einkauf', 'Marketing', 'Geschäftsführung', 'Vertrieb']
FIRST_F = ['Anna', 'Maria', 'Julia', 'Katharina', 'Sabine', 'Petra', 'Claudia', 'Monika', 'Laura', 'Lena',
           'Sophie', 'Birgit', 'Ursula', 'Andrea', 'Stefanie', 'Nicole', 'Sandra', 'Jana', 'Heike', 'Ines']
FIRST_M = ['Thomas', 'Michael', 'Andreas', 'Stefan', 'Markus', 'Jürgen', 'Klaus', 'Peter', 'Jan', 'Lukas',
           'Felix', 'Matthias', 'Frank', 'Uwe', 'Tobias', 'Christian', 'Martin', 'Wolfgang', 'Ralf', 'Daniel']
LAST = ['Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker', 'Schulz', 'Hoffmann',
        'Schäfer', 'Koch', 'Bauer', 'Richter', 'Klein', 'Wolf', 'Schröder', 'Neumann', 'Schwarz', 'Zimmermann',
        'Braun', 'Krüger', 'Hofmann', 'Hartmann', 'Lange', 'Schmitt', 'Werner', 'Krause', 'Meier', 'Lehmann']
CITIES = [('70173', 'Stuttgart'), ('50667', 'Köln'), ('80331', 'München'), ('10115', 'Berlin'),
          ('20095', 'Hamburg'), ('60311', 'Frankfurt am Main'), ('04109', 'Leipzig'), ('90402', 'Nürnberg'),
          ('68159', 'Mannheim'), ('76133', 'Karlsruhe'), ('79098', 'Freiburg im Breisgau'), ('01067', 'Dresden')]
STREETS = ['Hauptstraße', 'Bahnhofstraße', 'Schillerstraße', 'Goethestraße', 'Lindenweg', 'Gartenstraße',
           'Kirchplatz', 'Industriestraße', 'Am Markt', 'Talstraße', 'Bergstraße', 'Rosenweg']
COMPANY_KINDS = ['GmbH', 'AG', 'GmbH & Co. KG', 'e.K.', 'KG']
COMPANY_WORDS = ['Schwaben', 'Rhein', 'Nord', 'Alpen', 'Main', 'Elb', 'Spree', 'Isar', 'Neckar', 'Bodensee']
COMPANY_TRADES = ['Maschinenbau', 'Logistik', 'Druck', 'Software', 'Bau', 'Handel', 'Elektro', 'Medien']


def slug(text):
    table = str.maketrans({'ä': 'ae', 'ö': 'oe', 'ü': 'ue', 'ß': 'ss', 'Ä': 'ae', 'Ö': 'oe', 'Ü': 'ue'})
    return ''.join(c if c.isalnum() else '_' for c in text.translate(table).lower()).strip('_')


def tag_records():
    lines, leaves, exclusive_groups = [], {}, {}
    for xml_id, name, exclusive, restricted in CATEGORIES:
        lines.append(f'    <record id="{xml_id}" model="crm.profile.category">')
        lines.append(f'        <field name="name">{escape(name)}</field>')
        lines.append('        <field name="sequence">70</field>')
        if exclusive:
            lines.append('        <field name="exclusive" eval="True"/>')
        if restricted:
            lines.append('        <field name="group_ids" '
                         'eval="[Command.link(ref(\'crm_target_groups.group_crm_target_groups_manager\'))]"/>')
        lines.append('    </record>')

    def add(node, parent_id, category, path):
        name, children = node if isinstance(node, tuple) else (node, [])
        xml_id = 'res_partner_category_' + slug('_'.join(path + [name]))[:60] + '_demo'
        lines.append(f'    <record id="{xml_id}" model="res.partner.category">')
        lines.append(f'        <field name="name">{escape(name)}</field>')
        if parent_id:
            lines.append(f'        <field name="parent_id" ref="{parent_id}"/>')
        else:
            lines.append(f'        <field name="profile_category_id" ref="{category}"/>')
        lines.append(f'        <field name="color">{rng.randint(1, 11)}</field>')
        lines.append('    </record>')
        leaves.setdefault(category, []).append(xml_id)
        for child in children:
            add(child, xml_id, category, path + [name])

    for category, roots in TREE.items():
        for root in roots:
            add(root, None, category, [category.split('.')[-1].replace('crm_profile_category_', '').replace('_demo', '')])
        exclusive_groups[category] = any(c[0] == category and c[2] for c in CATEGORIES) \
            or category.endswith('price_sensitivity')
    return lines, leaves, exclusive_groups


def partner_records(leaves, exclusive):
    lines = []
    companies = []
    for i in range(30):
        zip_code, city = rng.choice(CITIES)
        name = f"{rng.choice(COMPANY_WORDS)}-{rng.choice(COMPANY_TRADES)} {rng.choice(COMPANY_KINDS)}"
        xml_id = f'res_partner_company_{i:02d}_demo'
        companies.append((xml_id, name))
        domain = slug(name.split()[0]).replace('_', '-') + '.example.de'
        lines += partner(xml_id, name, True, None, zip_code, city, f'info@{domain}', leaves, exclusive)
    for i in range(170):
        female = rng.random() < 0.5
        first = rng.choice(FIRST_F if female else FIRST_M)
        last = rng.choice(LAST)
        zip_code, city = rng.choice(CITIES)
        company = rng.choice(companies) if rng.random() < 0.6 else None
        email = f"{slug(first)}.{slug(last)}{i}@example.de" if rng.random() < 0.9 else None
        # salutation, title and department without drawing from rng: the other values stay as they were
        person = {'crm_salutation': 'ms' if female else 'mr', 'crm_academic_title': 'Dr.' if i % 9 == 0 else None,
                  'crm_department': company and DEPARTMENTS[i % len(DEPARTMENTS)]}
        lines += partner(f'res_partner_person_{i:03d}_demo', f'{first} {last}', False,
                         company and company[0], zip_code, city, email, leaves, exclusive, person)
    return lines


def partner(xml_id, name, is_company, parent, zip_code, city, email, leaves, exclusive, person=None):
    out = [f'    <record id="{xml_id}" model="res.partner">',
           f'        <field name="name">{escape(name)}</field>']
    out += [f'        <field name="{fname}">{escape(value)}</field>' for fname, value in (person or {}).items() if value]
    if is_company:
        out.append('        <field name="is_company" eval="True"/>')
    if parent:
        out.append(f'        <field name="parent_id" ref="{parent}"/>')
        out.append('        <field name="type">contact</field>')
    out.append(f'        <field name="street">{rng.choice(STREETS)} {rng.randint(1, 120)}</field>')
    out.append(f'        <field name="zip">{zip_code}</field>')
    out.append(f'        <field name="city">{escape(city)}</field>')
    out.append('        <field name="country_id" ref="base.de"/>')
    if email:
        out.append(f'        <field name="email">{email}</field>')
    out.append(f'        <field name="phone">+49 {rng.randint(30, 991)} {rng.randint(100000, 9999999)}</field>')
    tags = []
    for category, ids in leaves.items():
        if rng.random() < (0.15 if 'politics' in category else 0.45):
            picks = rng.sample(ids, 1 if exclusive[category] else rng.randint(1, min(2, len(ids))))
            tags += picks
    if tags:
        refs = ', '.join(f"ref('{t}')" for t in tags)
        out.append(f'        <field name="category_id" eval="[Command.set([{refs}])]"/>')
    out.append('    </record>')
    return out


def party_tag_id(name):
    return 'res_partner_category_' + slug('_'.join(['events', PARTY_TREE[0]] + ([name] if name else []))) + '_demo'


def party_tag_records():
    root, children = PARTY_TREE
    lines = [f'    <record id="{party_tag_id(None)}" model="res.partner.category">',
             f'        <field name="name">{escape(root)}</field>',
             f'        <field name="profile_category_id" ref="{PARTY_CATEGORY}"/>',
             '        <field name="color">3</field>',
             '    </record>']
    for name in children:
        lines += [f'    <record id="{party_tag_id(name)}" model="res.partner.category">',
                  f'        <field name="name">{escape(name)}</field>',
                  f'        <field name="parent_id" ref="{party_tag_id(None)}"/>',
                  f'        <field name="color">{4 if name.startswith("Zusage") else 3}</field>',
                  '    </record>']
    return lines


def party_partner_records():
    lines = []
    for i, (name, salutation, title, company, street, zip_code, city, profiles) in enumerate(PARTY_GUESTS):
        first, last = name.split(' ', 1)
        lines += [f'    <record id="res_partner_party_guest_{i:02d}_demo" model="res.partner">',
                  f'        <field name="name">{escape(name)}</field>',
                  f'        <field name="crm_salutation">{salutation}</field>']
        if title:
            lines.append(f'        <field name="crm_academic_title">{escape(title)}</field>')
        if company is not None:
            lines += [f'        <field name="parent_id" ref="res_partner_company_{company:02d}_demo"/>',
                      '        <field name="type">contact</field>']
        lines += [f'        <field name="street">{escape(street)}</field>',
                  f'        <field name="zip">{zip_code}</field>',
                  f'        <field name="city">{escape(city)}</field>',
                  '        <field name="country_id" ref="base.de"/>',
                  f'        <field name="email">{slug(first)}.{slug(last)}@example.de</field>']
        refs = ', '.join(f"ref('{party_tag_id(profile)}')" for profile in profiles)
        lines += [f'        <field name="category_id" eval="[Command.set([{refs}])]"/>',
                  '    </record>']
    return lines


def write(path, lines):
    path.write_text('<?xml version="1.0" encoding="utf-8"?>\n<!-- Written by scripts/make_demo.py -->\n'
                    '<odoo>\n' + '\n'.join(lines) + '\n</odoo>\n', encoding='utf-8')


tag_lines, leaf_ids, exclusive_by_category = tag_records()
write(ROOT / 'demo' / 'res_partner_category_demo.xml', tag_lines + party_tag_records())
write(ROOT / 'demo' / 'res_partner_demo.xml', partner_records(leaf_ids, exclusive_by_category) + party_partner_records())
