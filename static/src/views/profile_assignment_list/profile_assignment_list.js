import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { ListController } from "@web/views/list/list_controller";
import { ListRenderer } from "@web/views/list/list_renderer";
import { listView } from "@web/views/list/list_view";
import { SelectCreateDialog } from "@web/views/view_dialogs/select_create_dialog";
import { ProfileSearchPanel } from "@crm_target_groups/search/profile_search_panel/profile_search_panel";
import { onWillStart, onWillUpdateProps, useState, useSubEnv } from "@odoo/owl";

/**
 * Contacts list with the assignment mode. The mode lives in the search model, as a facet whose
 * context names the profile: it survives paging, sorting, filtering and grouping, and the
 * list's column of marks shows as long as the facet is there.
 */
export class ProfileAssignmentListController extends ListController {
    setup() {
        super.setup();
        this.crmState = useState({ carrying: 0 });
        useSubEnv({ crmAssignment: this });
        onWillStart(() => this.countCarrying(this.props));
        onWillUpdateProps((nextProps) => this.countCarrying(nextProps));
    }

    get activeProfile() {
        const { crm_assign_profile_id: id, crm_assign_profile_name: name } = this.props.context;
        return id ? { id, name } : null;
    }

    async countCarrying(props) {
        const id = props.context.crm_assign_profile_id;
        this.crmState.carrying = id
            ? await this.orm.searchCount("res.partner", [...props.domain, ["category_id", "in", [id]]])
            : 0;
    }

    async onRecordSaved(record) {
        await super.onRecordSaved(record);
        await this.countCarrying(this.props);
    }

    startAssignment() {
        this.env.services.dialog.add(SelectCreateDialog, {
            resModel: "res.partner.category",
            title: _t("Start profile assignment: choose the profile"),
            noCreate: true,
            multiSelect: false,
            context: { list_view_ref: "crm_target_groups.res_partner_category_view_list" },
            onSelected: ([id]) => this.activate(id),
        });
    }

    async activate(id) {
        const [profile] = await this.orm.read("res.partner.category", [id], ["display_name"]);
        this.endAssignment();
        this.addFacet(_t("Assigning: %s", profile.display_name), "[]", {
            crm_assign_profile_id: id,
            crm_assign_profile_name: profile.display_name,
        });
    }

    showCarrying(carrying) {
        const { id, name } = this.activeProfile;
        this.addFacet(
            carrying ? _t("With %s", name) : _t("Without %s", name),
            `[("category_id", "${carrying ? "in" : "not in"}", [${id}])]`
        );
    }

    endAssignment() {
        const searchModel = this.env.searchModel;
        const groupIds = new Set(
            Object.values(searchModel.searchItems)
                .filter((item) => item.crmAssignment)
                .map((item) => item.groupId)
        );
        for (const groupId of groupIds) {
            searchModel.deactivateGroup(groupId);
        }
    }

    addFacet(description, domain, context = {}) {
        this.env.searchModel.createNewFilters([{ description, domain, context, crmAssignment: true }]);
    }
}

/** Shows the assignment banner above the rows, inside the list's own scrolling area. */
export class ProfileAssignmentListRenderer extends ListRenderer {
    static template = "crm_target_groups.ProfileAssignmentListRenderer";
}

registry.category("views").add("crm_profile_assignment_list", {
    ...listView,
    Controller: ProfileAssignmentListController,
    Renderer: ProfileAssignmentListRenderer,
    SearchPanel: ProfileSearchPanel,
    buttonTemplate: "crm_target_groups.ProfileAssignmentListView.Buttons",
});
