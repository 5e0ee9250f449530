"""Letters to the authority, solidarity messages, and the campaign tally.

A participant chooses how to sign (or not to take part) before writing; a
letter is saved as it is typed, identified by a key the phone makes, so a
double-sent save never makes two letters; the last text wins by the phone's
revision number. The tally keeps each session's counts without any content,
so it outlives the letters when their retention period is over.
"""

from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils.translation import gettext_lazy as _

from activities.models import Case, Participant, Session

# Long enough for a personal letter on one printed page, short enough to print
# on one: 3,000 characters is about 500 words.
LETTER_MAX_CHARS = 3000
# A card: about 100 words, four cards to a printed page.
MESSAGE_MAX_CHARS = 600
SIGNOFF_MAX_CHARS = 60


class SafetyChoice(models.Model):
    """How a participant takes part in the take-action step of their session."""

    class Sign(models.TextChoices):
        NAME = "name", _("With my name")
        FIRST_NAME = "first_name", _("With my first name only")
        ANONYMOUS = "anonymous", _("Without my name")
        NOT_TAKING_PART = "not_taking_part", _("I won't take part")

    participant = models.OneToOneField(
        Participant,
        verbose_name=_("participant"),
        on_delete=models.CASCADE,
        related_name="safety_choice",
    )
    choice = models.CharField(_("choice"), max_length=20, choices=Sign.choices)
    chosen_at = models.DateTimeField(_("chosen"), auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(choice__in=["name", "first_name", "anonymous", "not_taking_part"]),
                name="safety_choice_valid",
            ),
        ]
        verbose_name = _("safety choice")
        verbose_name_plural = _("safety choices")

    def __str__(self):
        return self.get_choice_display()

    @property
    def takes_part(self):
        return self.choice != self.Sign.NOT_TAKING_PART

    @property
    def signs(self):
        """Whether letters carry a sign-off at all."""
        return self.choice in (self.Sign.NAME, self.Sign.FIRST_NAME)


class LetterQuerySet(models.QuerySet):
    def written(self):
        """Letters with words in them (an emptied draft is not a letter)."""
        return self.filter(words__gt=0)

    def printable(self, *, drafts=False):
        """What goes to the printer: not hidden, by people who take part."""
        letters = (
            self.written()
            .filter(hidden_from_print=False)
            .exclude(participant__safety_choice__choice=SafetyChoice.Sign.NOT_TAKING_PART)
        )
        if not drafts:
            letters = letters.filter(status=Letter.Status.FINISHED)
        return letters


class Letter(models.Model):
    """A letter to the authority or a solidarity message, draft or finished."""

    class Kind(models.TextChoices):
        AUTHORITY = "authority", _("Letter")
        SOLIDARITY = "solidarity", _("Solidarity message")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        FINISHED = "finished", _("Finished")

    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="letters"
    )
    participant = models.ForeignKey(
        Participant, verbose_name=_("participant"), on_delete=models.CASCADE, related_name="letters"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    # Made by the phone (or the page) before the first save: a save sent twice
    # finds the letter the first one made instead of making another.
    client_key = models.UUIDField(_("key"))
    text = models.TextField(_("text"), blank=True)
    words = models.PositiveIntegerField(_("words"), default=0)
    # Solidarity messages only: the language chosen, empty for "another language".
    language = models.CharField(_("language"), max_length=16, blank=True)
    signoff_name = models.CharField(_("signed"), max_length=SIGNOFF_MAX_CHARS, blank=True)
    signoff_town = models.CharField(_("town"), max_length=SIGNOFF_MAX_CHARS, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    hidden_from_print = models.BooleanField(_("hidden from print"), default=False)
    # The phone's count of edits: a save older than the one kept is ignored.
    revision = models.PositiveBigIntegerField(_("revision"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    objects = LetterQuerySet.as_manager()

    class Meta:
        ordering = ["session_id", "kind", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "client_key"], name="letter_unique_client_key"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["authority", "solidarity"]), name="letter_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "finished"]), name="letter_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind="solidarity") | Q(language=""),
                name="letter_language_only_for_messages",
            ),
            models.CheckConstraint(
                condition=Q(status="finished", finished_at__isnull=False)
                | Q(status="draft", finished_at__isnull=True),
                name="letter_finished_at_only_when_finished",
            ),
            models.CheckConstraint(
                condition=Q(kind="solidarity")
                | Q(LessThanOrEqual(Length("text"), LETTER_MAX_CHARS)),
                name="letter_text_max_length",
            ),
            models.CheckConstraint(
                condition=Q(kind="authority")
                | Q(LessThanOrEqual(Length("text"), MESSAGE_MAX_CHARS)),
                name="letter_message_max_length",
            ),
        ]
        indexes = [models.Index(fields=["session", "kind", "status"])]
        verbose_name = _("letter")
        verbose_name_plural = _("letters")

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_finished(self):
        return self.status == self.Status.FINISHED

    @property
    def is_message(self):
        return self.kind == self.Kind.SOLIDARITY

    @property
    def max_chars(self):
        return max_chars(self.kind)

    def signed(self):
        """(name, town) as the writer's safety choice lets them be printed."""
        choice = getattr(self.participant, "safety_choice", None)
        if choice is None or not choice.signs:
            return "", ""
        return self.signoff_name, self.signoff_town

    def signoff(self):
        """The sign-off lines to print."""
        return [line for line in self.signed() if line]


def max_chars(kind):
    return MESSAGE_MAX_CHARS if kind == Letter.Kind.SOLIDARITY else LETTER_MAX_CHARS


class SessionAction(models.Model):
    """A session's take-action state: what the screens show, and the post."""

    session = models.OneToOneField(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="action"
    )
    show_why = models.BooleanField(_("showing why letters work"), default=False)
    printed_at = models.DateTimeField(_("letters printed"), null=True, blank=True)
    sent_at = models.DateTimeField(_("letters sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("session's letters")
        verbose_name_plural = _("sessions' letters")

    def __str__(self):
        return str(self.session)


class Tally(models.Model):
    """One session's counts for the campaign tally: numbers, no content.

    It stays when the session's letters, participants or the session itself
    are deleted, so the campaign's totals do not shrink.
    """

    session = models.OneToOneField(
        Session,
        verbose_name=_("session"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tally",
    )
    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="tallies"
    )
    campaign_year = models.PositiveSmallIntegerField(_("campaign year"))
    held_on = models.DateField(_("held on"))
    participants = models.PositiveIntegerField(_("participants"), default=0)
    letters = models.PositiveIntegerField(_("letters"), default=0)
    messages = models.PositiveIntegerField(_("solidarity messages"), default=0)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-campaign_year", "-held_on", "-id"]
        indexes = [models.Index(fields=["campaign_year", "case"])]
        verbose_name = _("session tally")
        verbose_name_plural = _("tally")

    def __str__(self):
        return f"{self.case} · {self.held_on}"
