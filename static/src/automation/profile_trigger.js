import { TRIGGER_FILTERS } from "@base_automation/utils";

/**
 * Offer "Tag is added" on contacts too: their tags, the profiles, are `category_id` (the server
 * side maps the trigger to it in base.automation._get_trigger_specific_field).
 */
const isTagField = TRIGGER_FILTERS.on_tag_set;
TRIGGER_FILTERS.on_tag_set = (field) =>
    isTagField(field) ||
    (field.ttype === "many2many" && field.name === "category_id" && field.relation === "res.partner.category");
