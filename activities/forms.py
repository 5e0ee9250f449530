from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Case
from .roomcode import normalize_room_code
from .services import NICKNAME_MAX, SessionError, clean_nickname


class RoomCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Room code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "inputmode": "text",
                "placeholder": "ABC-1234",
                "dir": "ltr",  # a code of Latin letters and digits, in any language
            }
        ),
    )

    def clean_code(self):
        code = normalize_room_code(self.cleaned_data["code"])
        if not code:
            raise forms.ValidationError(
                _("A room code has 7 letters and digits, like ABC-1234. Check it and try again.")
            )
        return code


class NicknameForm(forms.Form):
    nickname = forms.CharField(
        label=_("Nickname"),
        max_length=NICKNAME_MAX * 2,  # trimmed and checked in clean_nickname
        help_text=_("Only your nickname is shown to others. Don't use your full name."),
        error_messages={"required": _("Choose a nickname.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "nickname", "maxlength": NICKNAME_MAX, "dir": "auto"}
        ),
    )

    def clean_nickname(self):
        try:
            return clean_nickname(self.cleaned_data["nickname"])
        except SessionError as exc:
            raise forms.ValidationError(str(exc)) from None


class SessionCreateForm(forms.Form):
    activity = forms.ChoiceField(label=_("Activity"))
    title = forms.CharField(
        label=_("Name for this session"),
        max_length=120,
        required=False,
        help_text=_("For you, e.g. “Class 9B, Tuesday”. Participants see it too."),
        widget=forms.TextInput(attrs={"dir": "auto"}),
    )
    group_size = forms.IntegerField(
        label=_("People per group"), min_value=2, max_value=50, initial=4
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.versions = {}
        choices = []
        cases = Case.objects.filter(is_active=True, current_version__isnull=False).select_related(
            "current_version"
        )
        for case in cases:
            content = case.current_version.content
            for activity in content.activities:
                value = f"{case.current_version.pk}:{activity.key}"
                self.versions[value] = (case.current_version, activity.key)
                choices.append((value, f"{case.name} ({case.campaign_year}) — {activity.title}"))
        self.fields["activity"].choices = choices

    def clean_activity(self):
        return self.versions[self.cleaned_data["activity"]]


class TimerForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("extend", "extend"), ("pause", "pause"), ("resume", "resume")]
    )
    minutes = forms.IntegerField(min_value=1, max_value=60, required=False, initial=1)


class GroupSizeForm(forms.Form):
    group_size = forms.IntegerField(label=_("People per group"), min_value=2, max_value=50)


class MaxParticipantsForm(forms.Form):
    max_participants = forms.IntegerField(
        label=_("Most people in the room"), min_value=1, max_value=10_000
    )
