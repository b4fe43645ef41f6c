import { registry } from "@web/core/registry";

// On a contact's form: one click logs a personal response, which becomes an activity.
registry.category("web_tour.tours").add("crm_campaign_log_response", {
    steps: () => [
        {
            content: "Log a response of the contact",
            trigger: "button.oe_stat_button:contains('Log Response')",
            run: "click",
        },
        {
            content: "The campaign that last reached the contact is proposed",
            trigger: ".modal .o_field_widget[name=campaign_id] input:value('Frühjahr 2027')",
        },
        {
            content: "The contact came by",
            trigger: ".modal .o_field_widget[name=response_channel] input[data-value=visit]",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=note] textarea",
            run: "edit Möchte ein Angebot für 20 Plätze",
        },
        {
            trigger: ".modal button[name=action_log]",
            run: "click",
        },
        {
            content: "The salesperson has it to do",
            trigger: ".o-mail-Activity:contains('Visit: Frühjahr 2027'):contains('Sven Sales')",
        },
    ],
});
