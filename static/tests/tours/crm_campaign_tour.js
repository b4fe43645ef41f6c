import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

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

// Plan a campaign for a target group, then write its mailing: Create Mailing opens a stock mass
// mailing on the group, stamped with the campaign.
registry.category("web_tour.tours").add("crm_campaign_create_mailing", {
    steps: () => [
        {
            content: "Plan a new campaign",
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=title] input",
            run: "edit Sommerfest 2027",
        },
        {
            content: "It addresses a target group",
            trigger: ".o_field_widget[name=campaign_target_group_ids] input",
            run: "edit A Outdoor",
        },
        {
            trigger: ".o-autocomplete--dropdown-item:contains('A Outdoor')",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=campaign_target_group_ids] .o_tag:contains('A Outdoor')",
        },
        ...stepUtils.saveForm(),
        {
            content: "Create the campaign's mailing",
            trigger: "button[name=action_create_mailing]",
            run: "click",
        },
        {
            content: "A mailing to the campaign's target group",
            trigger: ".o_form_view .o_field_widget[name=crm_target_group_id] input:value('A Outdoor')",
        },
        {
            content: "Its subject is the campaign's title until the user writes one",
            trigger: ".o_field_widget[name=subject] input:value('Sommerfest 2027')",
            run: "edit Einladung zum Sommerfest",
        },
        {
            content: "Write it as plain text",
            trigger: "[name=body_arch] .o_mailing_template_preview_wrapper [data-name=basic]",
            run: "click",
        },
        {
            trigger: "html:not(:has(.o_mailing_template_preview_wrapper))",
        },
        {
            trigger: "[name=body_arch] :iframe .odoo-editor-editable .o_mail_no_options p",
            run: "editor Wir laden Sie herzlich zu unserem Sommerfest ein.",
        },
        {
            trigger: "[name=body_arch] :iframe .odoo-editor-editable .o_mail_no_options p:contains('herzlich zu unserem Sommerfest')",
        },
        ...stepUtils.saveForm(),
        {
            content: "Saved in the campaign's breadcrumbs",
            trigger: ".o_breadcrumb:contains('Sommerfest 2027'):contains('Einladung zum Sommerfest')",
        },
    ],
});
