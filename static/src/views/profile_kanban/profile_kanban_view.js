import { registry } from "@web/core/registry";
import { kanbanView } from "@web/views/kanban/kanban_view";
import { ProfileSearchPanel } from "@crm_target_groups/search/profile_search_panel/profile_search_panel";

/** The Target Groups contacts' kanban: with the profile tree in its search panel, as the list. */
registry.category("views").add("crm_profile_kanban", {
    ...kanbanView,
    SearchPanel: ProfileSearchPanel,
});
