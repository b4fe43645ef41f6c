import { registry } from "@web/core/registry";
import {
    Many2ManyTagsField,
    many2ManyTagsField,
} from "@web/views/fields/many2many_tags/many2many_tags_field";

/**
 * Profiles in a list row, on one line: the first ones, then "+N" with the others in its tooltip,
 * so that a row stays one line high however many profiles the contact carries (stock tags wrap).
 */
export class ProfileTagsField extends Many2ManyTagsField {
    static template = "crm_target_groups.ProfileTagsField";
    visibleItemsLimit = 3;
}

registry.category("fields").add("crm_profile_tags", {
    ...many2ManyTagsField,
    component: ProfileTagsField,
    additionalClasses: ["o_field_many2many_tags"], // the stock tags' look
});
