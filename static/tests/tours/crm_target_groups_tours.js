import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

const exactItem = (name) => `.o-autocomplete--dropdown-item:not(:contains('/')):contains('${name}')`;

// From a target group's form: the letter dialog with the template "Invitation"
const printInvitation = (content) => [
    {
        content,
        trigger: "button[name=action_print_letters]",
        run: "click",
    },
    {
        trigger: ".modal .o_field_widget[name=template_id] input",
        run: "edit Invitation",
    },
    {
        trigger: ".o-autocomplete--dropdown-item:contains('Invitation')",
        run: "click",
    },
];

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
        ...stepUtils.saveForm(),
        {
            content: "Saved with its full path",
            trigger: ".o_breadcrumb:contains('Outdoor / Handball')",
        },
    ],
});

registry.category("web_tour.tours").add("crm_target_groups_filter_by_parent", {
    steps: () => [
        {
            content: "The search panel shows the profiles as a tree: a sub-profile by its name, below its parent",
            trigger: ".o_search_panel_filter_value[data-tooltip='Outdoor'] + .o_search_panel_filter_value[data-tooltip='Outdoor / Football'] .o_search_panel_label_title:not(:contains('/')):contains('Football')",
        },
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
        {
            content: "Anna's four profiles stay on one line: two of them, then +2",
            trigger: ".o_data_row:contains('Anna Fußballfan') .o_crm_profile_tags .o_m2m_avatar_empty:contains('+2')",
            run() {
                const height = (name) => [...document.querySelectorAll(".o_data_row")]
                    .find((row) => row.textContent.includes(name)).offsetHeight;
                if (height("Anna Fußballfan") !== height("Dora Rat")) {
                    throw new Error("a row with many profiles is higher than one with a single profile");
                }
            },
        },
    ],
});

registry.category("web_tour.tours").add("crm_target_groups_assignment_mode", {
    steps: () => [
        {
            content: "Narrow the list to the test contacts",
            trigger: ".o_searchview_input",
            run: "edit Crowd",
        },
        {
            trigger: ".o_searchview_input",
            run: "press Enter",
        },
        {
            trigger: ".o_pager_value:contains('1-6')",
        },
        {
            content: "Start an assignment",
            trigger: ".o_crm_start_assignment",
            run: "click",
        },
        {
            trigger: ".modal .o_searchview_input",
            run: "edit Culture",
        },
        {
            trigger: ".modal .o_searchview_input",
            run: "press Enter",
        },
        {
            content: "Pick the profile",
            trigger: ".modal .o_data_row td:contains('Culture')",
            run: "click",
        },
        {
            content: "Every row shows a mark; nobody carries it yet",
            trigger: ".o_crm_assignment_counter:contains('0 of 6')",
        },
        {
            content: "One click on the red plus of the first contact",
            trigger: ".o_data_row:contains('Crowd 0') .o_crm_profile_missing",
            run: "click",
        },
        {
            content: "It turns grey at once, and the counter follows",
            trigger: ".o_data_row:contains('Crowd 0') .o_crm_profile_assigned",
        },
        {
            trigger: ".o_crm_assignment_counter:contains('1 of 6')",
        },
        {
            content: "Keyboard: focus the next mark ...",
            trigger: ".o_data_row:contains('Crowd 1') .o_crm_profile_missing",
            run() {
                this.anchor.focus();
            },
        },
        {
            content: "... and press Enter",
            trigger: ".o_data_row:contains('Crowd 1') .o_crm_profile_missing:focus",
            run: "press Enter",
        },
        {
            trigger: ".o_data_row:contains('Crowd 1') .o_crm_profile_assigned",
        },
        {
            content: "Arrow down moves to the next row's mark ...",
            trigger: ".o_data_row:contains('Crowd 1') .o_crm_profile_toggle:focus",
            run: "press ArrowDown",
        },
        {
            content: "... where Enter assigns again",
            trigger: ".o_data_row:contains('Crowd 2') .o_crm_profile_missing:focus",
            run: "press Enter",
        },
        {
            trigger: ".o_crm_assignment_counter:contains('3 of 6')",
        },
        {
            content: "Show who still lacks it",
            trigger: ".o_crm_without_profile",
            run: "click",
        },
        {
            trigger: ".o_pager_value:contains('1-3')",
        },
        {
            content: "End the assignment",
            trigger: ".o_crm_end_assignment",
            run: "click",
        },
        {
            content: "The list is back to normal",
            trigger: ".o_list_view:not(:has(.o_crm_assignment_banner)):not(:has(.o_crm_profile_toggle))",
        },
        {
            trigger: ".o_pager_value:contains('1-6')",
        },
    ],
});

registry.category("web_tour.tours").add("crm_target_groups_assign_wizard", {
    steps: () => [
        {
            trigger: ".o_searchview_input",
            run: "edit Crowd",
        },
        {
            trigger: ".o_searchview_input",
            run: "press Enter",
        },
        {
            trigger: ".o_pager_value:contains('1-6')",
        },
        {
            content: "Select the whole filtered list",
            trigger: "thead .o_list_record_selector input",
            run: "click",
        },
        {
            trigger: ".o_cp_action_menus i.fa-cog",
            run: "click",
        },
        {
            trigger: ".o-dropdown-item:contains('Assign Profiles')",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=profile_ids] input",
            run: "edit Culture",
        },
        {
            trigger: ".o-autocomplete--dropdown-item:contains('Culture')",
            run: "click",
        },
        {
            content: "The preview says what will change before anything is written",
            trigger: ".modal .o_field_widget[name=preview]:contains('6 contacts get Culture')",
        },
        {
            trigger: ".modal button[name=action_apply]",
            run: "click",
        },
        {
            trigger: ".o_notification:contains('6 changes on 6 contacts')",
        },
        {
            content: "Open the assignments to undo it",
            trigger: ".o_main_navbar [data-menu-xmlid='crm_target_groups.crm_profile_operation_menu']",
            run: "click",
        },
        {
            trigger: ".o_data_row:first td[name=name]:contains('Culture')",
            run: "click",
        },
        {
            trigger: "button[name=action_undo]",
            run: "click",
        },
        {
            trigger: ".modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "Undone",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains('Undone')",
        },
    ],
});

registry.category("web_tour.tours").add("crm_target_groups_save_target_group", {
    steps: () => [
        {
            content: "Narrow the contacts to Outdoor and its sub-profiles",
            trigger: ".o_search_panel_filter_value:not(:contains('/')):contains('Outdoor') input",
            run: "click",
        },
        {
            trigger: ".o_pager_value:contains('1-3')",
        },
        {
            content: "Open the cog menu",
            trigger: ".o_cp_action_menus button:has(.fa-cog)",
            run: "click",
        },
        {
            content: "Save the filter as a target group",
            trigger: ".o_crm_save_target_group",
            run: "click",
        },
        {
            content: "The filter came along",
            trigger: ".o_field_widget[name=filter_domain]:contains('Outdoor')",
        },
        {
            trigger: ".o_field_widget[name=name] input",
            run: "edit Outdoor people",
        },
        ...stepUtils.saveForm(),
        {
            content: "The live member count",
            trigger: "button[name=action_open_members] .o_stat_value:contains('3')",
        },
        {
            content: "Export the addresses",
            trigger: "button[name=action_export_addresses]",
            run: "click",
        },
        {
            content: "The export says how many contacts it lists",
            trigger: ".modal .o_field_widget[name=partner_count]:contains('3')",
        },
        {
            trigger: ".modal button[name=action_export]",
            run: "click",
        },
        {
            content: "The dialog closes once the download started",
            trigger: "body:not(:has(.modal))",
        },
        ...printInvitation("Print letters to the group"),
        {
            content: "Three letters: every member has an address",
            trigger: ".modal .o_field_widget[name=partner_count]:contains('3')",
        },
        {
            trigger: ".modal button[name=action_print]",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
        {
            content: "Create the mailing to the group",
            trigger: "button[name=action_create_mailing]",
            run: "click",
        },
        {
            content: "A stock mailing on contacts, linked to the group",
            trigger: ".o_form_view .o_field_widget[name=crm_target_group_id] input",
        },
    ],
});

registry.category("web_tour.tours").add("crm_target_groups_profile_automation", {
    steps: () => [
        {
            content: "The automation rules of the profile",
            trigger: "button[name=action_open_automations]",
            run: "click",
        },
        {
            trigger: ".o_control_panel_main_buttons button.btn-primary",
            run: "click",
        },
        {
            content: "A new rule starts as 'Tag is added' with the profile",
            trigger: ".o_form_renderer .o_field_widget[name=trg_field_ref] input",
            run() {
                if (this.anchor.value !== "Gratis-Angebot") {
                    throw new Error(`the rule's profile is "${this.anchor.value}"`);
                }
            },
        },
        {
            content: "Contacts offer the trigger 'Tag is added'",
            trigger: ".o_form_renderer .o_field_widget[name=trigger] input",
            run: "click",
        },
        {
            trigger: ".o_select_menu_item:contains(Tag is added)",
            run: "click",
        },
        {
            trigger: ".o_form_renderer div[name=action_server_ids] button",
            run: "click",
        },
        {
            content: "The new action type: add to a mailing list",
            trigger: ".modal .o_form_renderer [name=state] span[value*='crm_mailing_list']",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=crm_mailing_list_id] input",
            run: "edit Angebote",
        },
        {
            trigger: ".o-autocomplete--dropdown-item:contains(Angebote)",
            run: "click",
        },
        {
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
        ...stepUtils.saveForm(),
    ],
});

registry.category("web_tour.tours").add("crm_target_groups_letters_in_background", {
    steps: () => [
        ...printInvitation("Print letters to a group larger than a request can print"),
        {
            content: "The dialog says the letters are printed in the background",
            trigger: ".modal .alert-info:contains('background')",
        },
        {
            trigger: ".modal button[name=action_print]",
            run: "click",
        },
        {
            content: "The printing run opens, waiting for the background job",
            trigger: ".o_form_view .o_field_widget[name=state] .o_arrow_button_current:contains('Waiting')",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=letter_total]:contains('3')",
        },
        {
            content: "It is listed under Printed Letters",
            trigger: ".o_menu_sections a:contains('Printed Letters')",
            run: "click",
        },
        {
            trigger: ".o_list_view .o_data_row:contains('Invitation - Outdoor'):contains('Waiting')",
        },
    ],
});

registry.category("web_tour.tours").add("crm_target_groups_refused_group", {
    steps: () => [
        {
            content: "A manager's shared group that excludes a profile this user may not see",
            trigger: ".o_data_row td[name=name]:contains('Football without council')",
            run: "click",
        },
        {
            content: "The form says why, and shows no members",
            trigger: ".alert-warning:contains('excludes profiles you may not see')",
        },
        {
            trigger: "button[name=action_open_members] .o_stat_value:contains('0')",
            run: "click",
        },
        {
            content: "Opening its contacts is refused with the reason, not shown",
            trigger: ".modal .modal-body:contains('excludes profiles you may not see')",
        },
        {
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
    ],
});
