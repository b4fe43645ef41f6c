"""Small helpers shared by the models: stored domains, SQL literals of id lists, what counts as an id."""
from ast import literal_eval
from uuid import uuid4

from odoo.tools import SQL

# ids are int4 in PostgreSQL: anything beyond is no record, and would be an SQL error
MAX_ID = 2 ** 31 - 1


def is_id(value, limit=MAX_ID):
    """Whether value can be a record's id: a whole number (an int, or a float such as 3.0 that a
    JSON client may send) within PostgreSQL's int4 (or limit)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return 0 < value <= limit and value == int(value)


def ids_of(values, limit=MAX_ID):
    """The values that can be ids, as ints; anything else (False, text, out of range) goes."""
    return [int(value) for value in values if is_id(value, limit)]


def int_array(ids):
    """ids as an array literal: PostgreSQL reads it far faster than ARRAY[...] of as many constants."""
    return SQL("%s::int4[]", "{%s}" % ",".join(map(str, ids)))


def contact_set(column):
    """Aggregates contact ids into a set as the profile history keeps one: the ids and their span."""
    return SQL("array_agg(%s) AS partner_ids, int4range(min(%s), max(%s), '[]') AS partner_span", column, column, column)


def span(ids):
    """The range from the least to the greatest of ids (a history set's partner_span)."""
    return SQL("int4range(%s, %s, '[]')", min(ids), max(ids))


def read_domain(text):
    """A domain stored as text (a target group's conditions, the contacts of a wizard or a job):
    the list it holds; ValueError (or SyntaxError) if it holds anything else."""
    value = literal_eval(text or '[]')
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"a domain is a list, not {type(value).__name__}")
    return value


def setting(env, name, default):
    """A whole-number setting of this module (ir.config_parameter crm_target_groups.<name>), or
    default where it is missing or not a number: every setting is read here."""
    value = env['ir.config_parameter'].sudo().get_param(f'crm_target_groups.{name}')
    try:
        return int(value) if value else default
    except ValueError:
        return default


def fetch_chunks(cr, query, chunk_size=10000):
    """The rows of query in chunks, through a server-side cursor: a sorted list of any size is
    one query, and never more than a chunk of it sits in memory."""
    cursor = SQL.identifier(f'crm_chunks_{uuid4().hex}')
    cr.execute(SQL("DECLARE %s NO SCROLL CURSOR FOR %s", cursor, query))
    while True:
        cr.execute(SQL("FETCH %s FROM %s", chunk_size, cursor))
        if not (rows := cr.fetchall()):
            break
        yield rows
    cr.execute(SQL("CLOSE %s", cursor))
