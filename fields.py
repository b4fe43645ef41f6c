"""The field type of profiles (contact tags), wherever a model refers to them."""
from odoo import fields
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import SQL, Query

from .tools import is_id


class ProfileTags(fields.Many2many):
    """Profiles (contact tags) whose conditions the tags' own search decides.

    The one choke point of "which profiles may this user use": Odoo's many2many compares tag ids
    without the tags' record rules (an outsider would find who carries a restricted profile by
    its id, as a float, through "has no profile", ...). Every condition on such a field ends here
    when Odoo turns a domain into SQL, on every path: contacts searched directly or through
    another model (a user's contact, which Odoo joins without searching the contacts), the
    history, target groups, mailings. For a user (not the superuser) the condition becomes `any`
    of the tags this user's search returns, so the record rules decide. A sub-query (Query, SQL)
    is the server's own, already decided.
    """

    def condition_to_sql(self, field_expr, operator, value, model, alias, query):
        if model.env.su or field_expr != self.name or isinstance(value, (Query, SQL)):
            return super().condition_to_sql(field_expr, operator, value, model, alias, query)
        domain = self._visible_condition(model, operator, value)
        return domain.optimize_full(model)._to_sql(model, alias, query)

    def _visible_condition(self, model, operator, value):
        """The condition as the tags' search decides it for model's user. Once optimized, every
        condition on the field has one of these shapes: ids (of any type), False ("has no
        profile"), a sub-domain (`child_of`, paths, names and `profile_ids` all end there)."""
        Tag = model.env[self.comodel_name]
        positive = operator in ('in', 'any', 'any!')
        if operator in ('any', 'not any', 'any!', 'not any!'):
            return Domain(self.name, 'any' if positive else 'not any', Tag._search(Domain(value)))
        if operator not in ('in', 'not in'):
            raise UserError(model.env._("Profiles cannot be compared with '%(operator)s'.", operator=operator))
        ids = [tag for tag in value if is_id(tag)]
        domain = Domain(self.name, 'any', Tag.with_context(active_test=False)._search([('id', 'in', ids)])) \
            if ids else Domain.FALSE
        if False in value or None in value:
            # "has no profile": none this user may see
            domain |= Domain(self.name, 'not any', Tag.with_context(active_test=False)._search([]))
        return domain if positive else ~domain
