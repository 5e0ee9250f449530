import yaml
from django import forms
from django.utils.translation import gettext_lazy as _

from .casepacks.reader import NoAliasLoader


class CasePackUploadForm(forms.Form):
    pack = forms.FileField(
        label=_("Case pack (zip)"),
        help_text=_("A zip of the pack folder, with pack.yaml at its top. See docs/case-packs.md."),
    )


class CaseContentForm(forms.Form):
    content = forms.CharField(
        label=_("Content (YAML)"),
        widget=forms.Textarea(attrs={"rows": 40, "cols": 100, "spellcheck": "false"}),
        help_text=_(
            "The whole case pack, as in pack.yaml. Saving records a new version; sessions "
            "that already ran keep the version they ran with."
        ),
    )

    def clean_content(self):
        try:
            # The pack reader's loader: it refuses aliases, which can expand without bound.
            return yaml.load(self.cleaned_data["content"], Loader=NoAliasLoader)  # noqa: S506
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = _("line %(line)s: ") % {"line": mark.line + 1} if mark else ""
            raise forms.ValidationError(
                _("Invalid YAML, %(where)s%(problem)s")
                % {"where": where, "problem": getattr(exc, "problem", exc)}
            ) from None
