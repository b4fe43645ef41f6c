import { registry } from "@web/core/registry";

// An anonymous visitor follows the "I will attend" link of their invitation mail: the page (in
// the invitee's language: the test installs German) asks to confirm, one click saves the answer.
// Selectors only, no texts: the German texts come from the translations, which the tests of the
// answer page do not depend on.
registry.category("web_tour.tours").add("crm_invitation_answer", {
    steps: () => [
        {
            content: "The page speaks the invitee's language",
            trigger: "html[lang='de-DE'] .o_crm_invitation_event",
        },
        {
            content: "The link of the mail only chose the answer: it is to be confirmed",
            trigger: ".o_crm_invitation_confirm",
        },
        {
            trigger: "input[name=companions]",
            run: "edit 2",
        },
        {
            trigger: "textarea[name=comment]",
            run: "edit Wir bringen Kuchen mit.",
        },
        {
            content: "Confirm: I will attend",
            trigger: "button.o_crm_invitation_attend",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The answer is saved and shown",
            trigger: ".o_crm_invitation_saved",
        },
        {
            trigger: ".o_crm_invitation_answer[data-answer=attending]",
        },
    ],
});
