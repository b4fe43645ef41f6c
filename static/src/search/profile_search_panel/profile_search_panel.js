import { SearchPanel } from "@web/search/search_panel/search_panel";

// How res.partner.category names a profile: its path from the top, e.g. "Sport / Fußball".
const SEPARATOR = " / ";

/**
 * The contacts' search panel with its profiles as a tree: parents before their children,
 * siblings together in alphabetical order, each profile by its own name indented below its
 * parent (the full path in the tooltip). Odoo's panel lists the values of a select="multi"
 * field flat, in the profiles' order (by name), each by its full path cut off at the panel's edge.
 */
export class ProfileSearchPanel extends SearchPanel {
    static subTemplates = {
        ...SearchPanel.subTemplates,
        filtersGroup: "crm_target_groups.ProfileSearchPanel.FiltersGroup",
    };

    /**
     * @param {Map<number, Object>} values the values of a section or of a group of it
     * @returns {Object[]} { id, name, depth, fullName, path } in tree order
     */
    profileTree(values) {
        const rows = [...values.values()].map((value) => {
            const path = value.display_name.split(SEPARATOR);
            return { id: value.id, name: path.at(-1), depth: path.length - 1, fullName: value.display_name, path };
        });
        return rows.sort((a, b) => comparePaths(a.path, b.path));
    }
}

function comparePaths(a, b) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
        const order = a[i].localeCompare(b[i]);
        if (order) {
            return order;
        }
    }
    return a.length - b.length;
}
