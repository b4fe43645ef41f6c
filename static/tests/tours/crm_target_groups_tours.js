import { registry } from "@web/core/registry";

const exactItem = (name) => `.o-autocomplete--dropdown-item:not(:contains('/')):contains('${name}')`;

registry.category("web_tour.tours").add("crm_target_groups_profile_create", {
    steps: () => [
        {
            content: "Create a profile from the profile list",
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=name] input",
            run: "edit Handball",
        },
        {
            content: "Nest it below Outdoor",
            trigger: ".o_field_widget[name=parent_id] input",
            run: "edit Outdoor",
        },
        {
            trigger: exactItem("Outdoor"),
            run: "click",
        },
        {
            content: "The category comes from the parent",
            trigger: ".o_field_widget[name=profile_category_id]:contains('Test Interests')",
        },
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Saved with its full path",
            trigger: ".o_breadcrumb:contains('Outdoor / Handball')",
        },
    ],
});

registry.category("web_tour.tours").add("crm_target_groups_filter_by_parent", {
    steps: () => [
        {
            content: "Narrow the contacts by the parent profile in the search panel",
            trigger: ".o_search_panel_filter_value:not(:contains('/')):contains('Outdoor') input",
            run: "click",
        },
        {
            content: "The contact of the new sub-profile is listed",
            trigger: ".o_data_row:contains('Clara Kultur')",
        },
        {
            content: "and those of the other sub-profiles, but no others",
            trigger: ".o_list_table:has(.o_data_row:contains('Anna Fußballfan')):not(:has(.o_data_row:contains('Bernd Tennis'):contains('Culture')))",
        },
        {
            content: "Exactly four contacts: Anna, Bernd, Dora, Clara",
            trigger: ".o_pager_value:contains('1-4')",
        },
    ],
});
