def migrate(cr, version):
    """The profile history became a view over two tables (see crm.profile.history): the old
    table is kept as the table of single changes; post-migrate turns its assignment rows into sets."""
    cr.execute("SELECT relkind FROM pg_class WHERE relname = 'crm_profile_history'")
    if cr.fetchone() != ('r',):
        return
    cr.execute("""
        ALTER TABLE crm_profile_history RENAME TO crm_profile_history_line;
        ALTER SEQUENCE crm_profile_history_id_seq RENAME TO crm_profile_history_line_id_seq;
        DROP INDEX IF EXISTS crm_profile_history__profile_id_index;
        DROP INDEX IF EXISTS crm_profile_history_partner_profile_idx;
    """)
