def migrate(cr, version):
    """An assignment's rows become its sets, one per 5,000 contacts, profile and change; each set
    takes the id of the newest of its rows, so that the order of all changes stays as it was."""
    cr.execute("""
        SELECT 1 FROM information_schema.columns
         WHERE table_name = 'crm_profile_history_line' AND column_name = 'operation_id'
    """)
    if not cr.fetchone():
        return
    cr.execute("""
        INSERT INTO crm_profile_history_set
               (id, partner_ids, partner_span, profile_id, change, date, user_id, source, operation_id)
        SELECT max(id), array_agg(partner_id ORDER BY id), int4range(min(partner_id), max(partner_id), '[]'),
               profile_id, change, max(date), min(user_id), 'wizard', operation_id
          FROM (SELECT *, (row_number() OVER (PARTITION BY operation_id, profile_id, change ORDER BY id) - 1)
                          / 5000 AS part
                  FROM crm_profile_history_line
                 WHERE operation_id IS NOT NULL) rows
      GROUP BY operation_id, profile_id, change, part;
        DELETE FROM crm_profile_history_line WHERE operation_id IS NOT NULL;
        ALTER TABLE crm_profile_history_line DROP COLUMN operation_id;
    """)
