import { Domain } from "@web/core/domain";
import { DropdownItem } from "@web/core/dropdown/dropdown_item";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { user } from "@web/core/user";
import { Component } from "@odoo/owl";

/**
 * "Save as target group" in the cog menu of any contacts list or kanban: the current filter
 * becomes the further conditions of a new target group, opened for naming and refining.
 */
export class SaveTargetGroup extends Component {
    static template = "crm_target_groups.SaveTargetGroup";
    static components = { DropdownItem };
    static props = {};

    onSelected() {
        this.env.services.action.doAction({
            type: "ir.actions.act_window",
            name: _t("New Target Group"),
            res_model: "crm.target.group",
            views: [[false, "form"]],
            target: "current",
            context: {
                default_filter_domain: new Domain(this.env.searchModel.domain).toString(),
            },
        });
    }
}

registry.category("cogMenu").add(
    "crm-save-target-group",
    {
        Component: SaveTargetGroup,
        groupNumber: 20,
        isDisplayed: async (env) =>
            env.searchModel?.resModel === "res.partner" &&
            ["list", "kanban"].includes(env.config.viewType) &&
            (await user.hasGroup("crm_target_groups.group_crm_target_groups_user")),
    },
    { sequence: 50 }
);
