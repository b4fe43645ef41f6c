import { registry } from "@web/core/registry";

// Staff of the events team open their event, read the answers in its smart buttons, find the
// participant report (PDF and Excel) in the form's actions, and look at the answers over time.
registry.category("web_tour.tours").add("crm_invitation_report", {
    steps: () => [
        {
            trigger: ".o_navbar_apps_menu button",
            run: "click",
        },
        {
            trigger: ".o_app[data-menu-xmlid='event.event_main_menu']",
            run: "click",
        },
        {
            trigger: ".o_searchview_input",
            run: "edit Tour-Sommerfest",
        },
        {
            trigger: ".o_searchview_input",
            run: "press Enter",
        },
        {
            trigger: ".o_kanban_record:contains('Tour-Sommerfest')",
            run: "click",
        },
        {
            content: "Four invitations Uwe may see, one without an answer",
            trigger: "button.oe_stat_button:contains('Invitations'):contains('4')",
        },
        {
            trigger: "button.oe_stat_button:contains('No answer yet'):contains('1')",
        },
        {
            content: "The reminder is one click away",
            trigger: ".o_form_statusbar button[name='action_crm_invitation_reminder']",
        },
        {
            content: "Open the form's actions",
            trigger: ".o_cp_action_menus button:has(.fa-cog)",
            run: "click",
        },
        {
            content: "The Excel file of the same report",
            trigger: ".o-dropdown--menu .o-dropdown-item:contains('Participant Report (Excel)')",
        },
        {
            content: "The reports of the event",
            trigger: ".o-dropdown--menu .o-dropdown-item:has(.fa-print), .o-dropdown--menu button:has(.fa-print)",
            run: "hover && click",
        },
        {
            content: "Print participant report",
            trigger: ".o-dropdown-item[aria-label='Print report: Participant Report']",
        },
        {
            content: "Close the menu",
            trigger: ".o_cp_action_menus button:has(.fa-cog)",
            run: "click",
        },
        {
            content: "More of the event's numbers",
            trigger: ".o-form-buttonbox button:contains('More')",
            run: "click",
        },
        {
            content: "Two attend, one declined",
            trigger: ".o-dropdown--menu button.oe_stat_button:contains('Attending'):contains('2')",
        },
        {
            trigger: ".o-dropdown--menu button.oe_stat_button:contains('Declined'):contains('1')",
        },
        {
            content: "Answers over time",
            trigger: ".o-dropdown--menu button.oe_stat_button:contains('Answers')",
            run: "click",
        },
        {
            trigger: ".o_graph_view .o_graph_canvas_container canvas",
        },
        {
            trigger: ".o_breadcrumb:contains('Answers to Tour-Sommerfest')",
        },
    ],
});

// From the campaign: its Invitations button lists the invitations Uwe may see (not Dora's), and
// Clara, who called, is marked as attending with one click.
registry.category("web_tour.tours").add("crm_campaign_invitations", {
    steps: () => [
        {
            content: "Four invitations of the campaign Uwe may see",
            trigger: "button.oe_stat_button:contains('Invitations'):contains('4')",
            run: "click",
        },
        {
            trigger: ".o_breadcrumb:contains('Invitations of Sommerfest-Einladung')",
        },
        {
            content: "Dora is not listed",
            trigger: ".o_list_view:not(:has(.o_data_row:contains('Dora')))",
        },
        {
            content: "Clara called: she attends",
            trigger: ".o_data_row:contains('Clara Kultur') button[name='action_crm_attend']",
            run: "click",
        },
        {
            trigger: ".o_data_row:contains('Clara Kultur'):contains('Attending')",
        },
    ],
});
