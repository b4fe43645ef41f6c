from odoo import api, fields, models

# Each contact's own language: the template's default, which every user may save (see below).
DEFAULT_LANG = '{{ object.lang }}'


class CrmLetterTemplate(models.Model):
    """A mail-merge letter (Serienbrief): subject and body with the contact's fields as placeholders.

    Rendering is Odoo's own (`mail.render.mixin`, as for email templates): users insert simple
    field placeholders with the editor's /field command; only template editors may write code.
    Subject and body are translatable, and each contact gets the version in their language.
    Users change the templates they wrote, managers all of them (record rules).
    """
    _name = 'crm.letter.template'
    _description = 'Letter Template'
    _inherit = ['mail.render.mixin']
    _order = 'name, id'
    _unrestricted_rendering = True  # as mail.template: code only saved by template editors

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    subject = fields.Char(translate=True, render_engine='inline_template',
                          help="The subject line, in bold above the salutation; placeholders allowed.")
    body = fields.Html(render_engine='qweb', render_options={'post_process': True}, translate=True,
                       sanitize='email_outgoing', prefetch=True)
    lang = fields.Char(default=DEFAULT_LANG)

    def _compute_render_model(self):
        self.render_model = 'res.partner'

    # ------------------------------------------------------------
    # SECURITY
    # ------------------------------------------------------------

    @api.model
    def _has_unsafe_expression_template_inline_template(self, template_txt, model, fname=None):
        """The default language is ours, not code a user wrote: saving it needs no template editor,
        as mail.template allows its models' own defaults (`_expression_is_default`). Any other
        expression in the language still does."""
        if fname == 'lang' and template_txt == DEFAULT_LANG:
            return False
        return super()._has_unsafe_expression_template_inline_template(template_txt, model, fname=fname)
