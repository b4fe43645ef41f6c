from collections import namedtuple

from odoo import api, models
from odoo.tools import SQL, ormcache

from ..tools import fetch_chunks

# name particles that belong to the surname in a letter's salutation ("Frau von der Leyen")
NAME_PARTICLES = {'von', 'vom', 'van', 'de', 'der', 'den', 'zu', 'zur', 'di', 'da', 'del', 'la', 'le', 'ten', 'ter'}

PostalAddress = namedtuple('PostalAddress', [
    'id', 'complete', 'salutation', 'title', 'name', 'is_company', 'lang', 'company', 'department',
    'street', 'street2', 'zip', 'city', 'country_id', 'country', 'email', 'phone'])


class CrmPostalAddress(models.AbstractModel):
    """Where and how a letter reaches a contact: the postal address that applies (the contact's
    own, else its company's: a contact person is written to at the company), the order of a
    mailing by post (postcode, then name), and the salutation in the contact's language.

    One place for the address list, the letters, the call centre and what comes next
    (invitations), as Odoo keeps `_display_address` for the address block: "has a postal address"
    is `_complete`, wherever it is asked.
    """
    _name = 'crm.postal.address'
    _description = 'Postal Addressing'

    @api.model
    def _addresses(self, domain, chunk_size=10000):
        """The postal address that applies to each contact of domain (PostalAddress), in chunks,
        sorted by postcode and name, those without a usable address last."""
        query = SQL("SELECT %s FROM (%s) a ORDER BY %s",
                    SQL(", ").join(SQL.identifier('a', column) for column in PostalAddress._fields),
                    self._query(domain), self._sort(SQL("a")))
        for rows in fetch_chunks(self.env.cr, query, chunk_size):
            yield [PostalAddress(*row) for row in rows]

    @api.model
    def _without_address(self, domain):
        """The contacts of domain that have no usable postal address, not even their company's."""
        self.env.cr.execute(SQL("SELECT id FROM (%s) a WHERE NOT complete", self._query(domain)))
        return self.env['res.partner'].browse(row[0] for row in self.env.cr.fetchall())

    @api.model
    def _query(self, domain):
        """SQL of one row per contact of domain, with the columns of PostalAddress and sort_zip: the
        contact's own address if street, postcode and city are filled in, else their company's."""
        Partner = self.env['res.partner']
        Partner.flush_model()
        self.env['res.country'].flush_model()
        own, company = self._complete(SQL('p')), self._complete(SQL('c'))
        address = {
            column: SQL("CASE WHEN %s OR NOT %s THEN p.%s ELSE c.%s END AS %s",
                        own, company, SQL.identifier(column), SQL.identifier(column), SQL.identifier(column))
            for column in ('street', 'street2', 'zip', 'city', 'country_id')
        }
        return SQL("""
            SELECT p.id, (%(own)s OR %(company)s) AS complete, p.crm_salutation AS salutation,
                   p.crm_academic_title AS title, p.name, p.is_company, p.lang,
                   CASE WHEN p.is_company THEN p.name
                        WHEN c.id != p.id THEN c.name ELSE p.company_name END AS company,
                   p.crm_department AS department, %(street)s, %(street2)s, %(zip)s, %(city)s, %(country_id)s,
                   COALESCE(country.name->>%(lang)s, country.name->>'en_US') AS country, p.email, p.phone,
                   COALESCE(NULLIF(CASE WHEN %(own)s OR NOT %(company)s THEN p.zip ELSE c.zip END, ''), 'zzz') AS sort_zip
              FROM res_partner p
              LEFT JOIN res_partner c ON c.id = p.commercial_partner_id
              LEFT JOIN res_country country
                     ON country.id = CASE WHEN %(own)s OR NOT %(company)s THEN p.country_id ELSE c.country_id END
             WHERE p.id IN %(ids)s
        """, own=own, company=company, lang=self.env.lang, ids=Partner._search(domain).subselect(), **address)

    @api.model
    def _complete(self, alias):
        """SQL: whether the contact row alias has a usable postal address of its own. The one
        definition of "has a postal address" (target groups, address lists, letters)."""
        return SQL("(COALESCE(%s.street, '') != '' AND COALESCE(%s.zip, '') != '' AND COALESCE(%s.city, '') != '')",
                   alias, alias, alias)

    @api.model
    def _sort(self, address):
        """ORDER BY for rows of _query (alias address): by postcode, then name; those
        without a usable address last."""
        return SQL("%s.complete DESC, %s.sort_zip, %s.name, %s.id", address, address, address, address)

    @api.model
    def _salutation(self, lang, salutation, title, name, is_company, formats=None):
        """'Sehr geehrte Frau Dr. Müller,' in the contact's language, neutral when unknown.
        formats: what _salutation_formats(lang) returns, if the caller has it at hand (lists)."""
        neutral, female, male = formats or self._salutation_formats(lang)
        tokens = (name or '').split()
        if is_company or not salutation or not tokens:
            return neutral
        start = len(tokens) - 1
        while start > 1 and tokens[start - 1].lower() in NAME_PARTICLES:
            start -= 1
        surname = " ".join(filter(None, [title, *tokens[start:]]))
        return (female if salutation == 'ms' else male) % {'name': surname}

    @ormcache('lang', 'self.env.lang')
    def _salutation_formats(self, lang):
        """The three openings for a contact's language, looked up once: a list makes thousands."""
        env = self.with_context(lang=self._lang(lang)).env
        return env._("Dear Sir or Madam,"), env._("Dear Ms %(name)s,"), env._("Dear Mr %(name)s,")

    @api.model
    def _lang(self, lang):
        """The contact's language if installed, else a variant of it (de_CH -> de_DE), else the user's."""
        installed = [code for code, _name in self.env['res.lang'].get_installed()]
        if lang in installed:
            return lang
        prefix = (lang or '').split('_')[0]
        return next((code for code in installed if prefix and code.split('_')[0] == prefix), self.env.lang)
