import { registry } from "@web/core/registry";

// Plan a sub-campaign from the Campaigns menu, then read the parent's statistics and open the
// contacts behind one of its numbers.
registry.category("web_tour.tours").add("crm_campaign_plan_and_statistics", {
    steps: () => [
        {
            content: "Plan a new campaign",
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=title] input",
            run: "edit Herbstaktion Nachfass",
        },
        {
            content: "It belongs to the spring campaign",
            trigger: ".o_field_widget[name=parent_id] input",
            run: "edit Tour-Frühjahr",
        },
        {
            trigger: ".o-autocomplete--dropdown-item:contains('Tour-Frühjahr')",
            run: "click",
        },
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Its name is its path",
            trigger: ".o_breadcrumb:contains('Tour-Frühjahr / Herbstaktion Nachfass')",
        },
        {
            content: "Back to the list",
            trigger: ".o_breadcrumb .o_back_button a, .o_breadcrumb li.breadcrumb-item a",
            run: "click",
        },
        {
            trigger: ".o_data_row .o_data_cell:contains('Tour-Frühjahr'):not(:contains('/'))",
            run: "click",
        },
        {
            content: "Two contacts were reached, one responded",
            trigger: "button.oe_stat_button:contains('Responding'):contains('1')",
        },
        {
            trigger: "button.oe_stat_button:contains('Reached'):contains('2')",
            run: "click",
        },
        {
            content: "The contacts behind the number",
            trigger: ".o_data_row:contains('Tour Anna')",
        },
        {
            trigger: ".o_data_row:contains('Tour Bruno')",
        },
        {
            trigger: ".o_pager_limit:contains('2')",
        },
    ],
});
