import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { standardFieldProps } from "@web/views/fields/standard_field_props";
import { Component } from "@odoo/owl";

/**
 * Assignment mode's mark: a red plus where the contact lacks the profile, a grey check where
 * it has it. One click saves at once; the list stays where it is.
 */
export class ProfileToggleField extends Component {
    static template = "crm_target_groups.ProfileToggleField";
    static props = { ...standardFieldProps };

    get assigned() {
        return this.props.record.data[this.props.name];
    }

    get title() {
        return this.assigned ? _t("Remove the profile") : _t("Assign the profile");
    }

    onKeydown(ev) {
        // Enter or space toggles, without opening the row as the list would
        if (ev.key === "Enter" || ev.key === " ") {
            ev.preventDefault();
            ev.stopPropagation();
            this.toggle();
        }
    }

    async toggle() {
        await this.props.record.update({ [this.props.name]: !this.assigned }, { save: true });
    }
}

registry.category("fields").add("crm_profile_toggle", {
    component: ProfileToggleField,
    displayName: _t("Profile assignment mark"),
    supportedTypes: ["boolean"],
    isEmpty: () => false,
    listViewWidth: 48,
});
