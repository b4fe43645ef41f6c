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
        // Enter or space toggles, without opening the row as the list would; arrows move the
        // focus to the mark of the row above or below.
        const row = ev.target.closest("tr");
        const next = { ArrowDown: row?.nextElementSibling, ArrowUp: row?.previousElementSibling }[ev.key];
        if (ev.key === "Enter" || ev.key === " ") {
            this.toggle();
        } else if (next !== undefined) {
            next?.querySelector(".o_crm_profile_toggle")?.focus();
        } else {
            return;
        }
        ev.preventDefault();
        ev.stopPropagation();
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
