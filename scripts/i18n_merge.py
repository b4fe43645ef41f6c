"""Brings i18n/de.po in line with the freshly exported .pot: new strings are added
untranslated, vanished ones dropped, existing translations kept (like msgmerge)."""
import sys

import polib

pot_path, po_path = sys.argv[1:3]
pot = polib.pofile(pot_path)
try:
    po = polib.pofile(po_path)
except OSError:
    po = polib.POFile()
    po.metadata = dict(pot.metadata, Language='de')
po.merge(pot)
po.obsolete_entries()[:] = []
for entry in [e for e in po if e.obsolete]:
    po.remove(entry)
po.metadata['Language'] = 'de'
po.save(po_path)
missing = [e.msgid for e in po if not e.msgstr]
print(f"{po_path}: {len(po)} strings, {len(missing)} without German text")
