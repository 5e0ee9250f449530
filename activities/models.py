"""Cases (loaded from case packs) and the live sessions that run them.

A case pack's content is kept whole, as validated JSON, in an immutable
CaseVersion: loading a changed pack adds a version, and a session stays bound
to the version it started with. Everything a session shows comes from that
version's data through `activities.content`.
"""

import os
import secrets
from functools import cached_property

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .content import CaseContent
from .roomcode import display_room_code


class Case(models.Model):
    slug = models.SlugField(_("identifier"), max_length=50, unique=True)
    name = models.CharField(_("person or group"), max_length=200)
    country = models.CharField(_("country"), max_length=200)
    campaign_year = models.PositiveSmallIntegerField(_("campaign year"))
    is_active = models.BooleanField(
        _("offered to facilitators"),
        default=True,
        help_text=_("Facilitators can start new sessions only from active cases."),
    )
    current_version = models.ForeignKey(
        "CaseVersion",
        verbose_name=_("current version"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-campaign_year", "name"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")

    def __str__(self):
        return f"{self.name} ({self.campaign_year})"


class CaseVersion(models.Model):
    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    data = models.JSONField(_("content"))
    checksum = models.CharField(_("checksum"), max_length=64)
    source = models.CharField(_("loaded from"), max_length=300, blank=True)
    loaded_at = models.DateTimeField(_("loaded"), default=timezone.now)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("loaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["case_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="case_version_unique_number"),
        ]
        verbose_name = _("case version")
        verbose_name_plural = _("case versions")

    def __str__(self):
        return f"{self.case} v{self.number}"

    def save(self, *args, **kwargs):
        _contents.pop(self.pk, None)
        super().save(*args, **kwargs)

    @cached_property
    def content(self):
        """The pack as read by the app. Built once per process and version: a
        loaded version never changes (a new pack is a new version), and
        decoding its JSON was the largest cost of a draft save. Hot queries
        leave `data` deferred, so it is only read from the database here."""
        kept = _contents.get(self.pk)
        if kept is not None and kept[0] == self.checksum:
            return kept[1]
        content = CaseContent(self.data, images={image.path: image for image in self.images.all()})
        if self.pk is not None:
            _contents[self.pk] = (self.checksum, content)
        return content


# version pk -> (checksum, CaseContent); see CaseVersion.content.
_contents = {}


def forget_case_contents():
    """Drop every kept CaseContent (tests change a version's data in place and
    roll the change back: in the app a loaded version never changes)."""
    _contents.clear()


class CaseImage(models.Model):
    version = models.ForeignKey(
        CaseVersion, verbose_name=_("case version"), on_delete=models.CASCADE, related_name="images"
    )
    path = models.CharField(_("path in the pack"), max_length=200)
    image = models.ImageField(
        _("image"), upload_to="cases/", width_field="width", height_field="height"
    )
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    sha256 = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["version", "path"], name="case_image_unique_path"),
        ]
        verbose_name = _("case image")
        verbose_name_plural = _("case images")

    def __str__(self):
        return self.path


class Session(models.Model):
    """One run of a case's activity by a facilitator, joined by room code."""

    class Status(models.TextChoices):
        LOBBY = "lobby", _("Lobby")
        RUNNING = "running", _("Running")
        ENDED = "ended", _("Ended")

    room_code = models.CharField(_("room code"), max_length=12, unique=True)
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("facilitator"),
        on_delete=models.CASCADE,
        related_name="w4r_sessions",
    )
    case_version = models.ForeignKey(
        CaseVersion,
        verbose_name=_("case version"),
        on_delete=models.PROTECT,
        related_name="sessions",
    )
    activity_key = models.CharField(_("activity"), max_length=50)
    title = models.CharField(_("name"), max_length=120, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.LOBBY
    )
    current_step = models.CharField(
        _("current step"), max_length=50, blank=True, help_text=_("Empty while in the lobby.")
    )
    timer_ends_at = models.DateTimeField(_("timer ends"), null=True, blank=True)
    timer_paused_remaining = models.DurationField(_("time left (paused)"), null=True, blank=True)
    locked = models.BooleanField(_("room locked"), default=False)
    approve_joins = models.BooleanField(
        _("approve each join"),
        default=False,
        help_text=_("New participants wait until the facilitator lets them in."),
    )
    filter_nicknames = models.BooleanField(
        _("filter nicknames"),
        default=True,
        help_text=_("Refuse nicknames that contain a word from the site's list."),
    )
    group_size = models.PositiveSmallIntegerField(_("people per group"), default=4)
    max_participants = models.PositiveIntegerField(_("most participants"), default=500)
    # The projector's own language, whatever the browser showing it says (it
    # is often the facilitator's laptop); the facilitator's by default.
    projector_language = models.CharField(
        _("projector language"), max_length=12, default=settings.LANGUAGE_CODE
    )
    # Where phones reach this server, e.g. https://w4r.example.org, for the QR code.
    origin = models.CharField(_("address"), max_length=200, blank=True)
    # Bumped by every change a screen shows; clients compare it to skip stale updates.
    version = models.PositiveBigIntegerField(default=1)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    # Set when the participants' content was deleted (activities.retention);
    # only the anonymous counts in `kept_counts` stay, e.g. {"participants": 28}.
    purged_at = models.DateTimeField(_("participants' data deleted"), null=True, blank=True)
    kept_counts = models.JSONField(_("anonymous counts"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["lobby", "running", "ended"]), name="session_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(group_size__gte=2) & Q(group_size__lte=50),
                name="session_group_size_range",
            ),
            models.CheckConstraint(
                condition=Q(max_participants__gte=1) & Q(max_participants__lte=10000),
                name="session_max_participants_range",
            ),
            models.CheckConstraint(
                condition=Q(status="ended") | Q(ended_at__isnull=True),
                name="session_ended_at_only_when_ended",
            ),
            models.CheckConstraint(
                condition=Q(status="ended") | Q(purged_at__isnull=True),
                name="session_purged_only_when_ended",
            ),
            models.CheckConstraint(
                condition=Q(projector_language__in=[code for code, _name in settings.LANGUAGES]),
                name="session_projector_language_offered",
            ),
        ]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    def __str__(self):
        return self.title or self.room_code

    @property
    def content(self):
        return self.case_version.content

    @property
    def activity(self):
        return self.content.activity(self.activity_key)

    @property
    def step(self):
        """The current step, or None in the lobby."""
        if not self.current_step:
            return None
        return self.activity.step(self.current_step)

    @property
    def is_ended(self):
        return self.status == self.Status.ENDED

    @property
    def join_url(self):
        from django.urls import reverse

        base = settings.SITE_URL or self.origin.rstrip("/")
        return base + reverse("join_room", args=[self.room_code])

    @property
    def display_code(self):
        return display_room_code(self.room_code)

    def timer_remaining(self, now=None):
        if self.timer_paused_remaining is not None:
            return self.timer_paused_remaining
        if self.timer_ends_at is None:
            return None
        return max(self.timer_ends_at - (now or timezone.now()), timezone.timedelta(0))


class Group(models.Model):
    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="groups"
    )
    number = models.PositiveSmallIntegerField(_("number"))

    class Meta:
        ordering = ["session_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["session", "number"], name="group_unique_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="group_number_positive"),
        ]
        verbose_name = _("group")
        verbose_name_plural = _("groups")

    def __str__(self):
        return self.name

    @property
    def name(self):
        return _("Group %(number)s") % {"number": self.number}


class ParticipantQuerySet(models.QuerySet):
    def present(self):
        """In the room: let in and not removed."""
        return self.filter(removed_at__isnull=True, waiting=False)

    def waiting_for_approval(self):
        return self.filter(removed_at__isnull=True, waiting=True)

    def counted(self):
        """Everyone who holds a place in the room (present or waiting)."""
        return self.filter(removed_at__isnull=True)


class Participant(models.Model):
    """Someone who joined a session on a phone. A nickname is all they give."""

    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="participants"
    )
    group = models.ForeignKey(
        Group,
        verbose_name=_("group"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    nickname = models.CharField(_("nickname"), max_length=30)
    # The nickname folded for comparison, so "Sam" and "sam " are one name.
    # Folding can lengthen text ("ß" → "ss", "ﷺ" → 18 letters): see NICKNAME_KEY_MAX.
    nickname_key = models.CharField(max_length=100, editable=False)
    joined_at = models.DateTimeField(_("joined"), auto_now_add=True)
    # Waiting for the facilitator to let them in ("approve each join"); a
    # refused participant is removed while still waiting.
    waiting = models.BooleanField(_("waiting to be let in"), default=False)
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        ordering = ["session_id", "joined_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "nickname_key"], name="participant_unique_nickname"
            ),
            models.CheckConstraint(
                condition=Q(waiting=False) | Q(group__isnull=True),
                name="participant_waiting_has_no_group",
            ),
        ]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")

    def __str__(self):
        return self.nickname

    @property
    def is_removed(self):
        return self.removed_at is not None

    @property
    def is_refused(self):
        """Removed before being let in."""
        return self.waiting and self.removed_at is not None


# -- Step 3: the matching-rights exercise (step kind "matching") ---------------
#
# The cards come from the step's data in the case pack; these rows hold what
# the groups and the facilitator did with them. Cards are named by their pack
# keys, which stay stable between versions of a pack.


class MatchingExercise(models.Model):
    """A matching step as the facilitator runs it: open or closed, and what the
    projector shows once it is closed."""

    session = models.ForeignKey(
        Session,
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="matching_exercises",
    )
    step_key = models.CharField(_("step"), max_length=50)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # The experience card the plenary reveal shows, by its place in the pack.
    reveal_index = models.PositiveSmallIntegerField(_("card shown"), default=0)
    answers_on_projector = models.BooleanField(
        _("closing question on the projector"), default=False
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "step_key"], name="matching_exercise_unique_step"
            ),
        ]
        verbose_name = _("matching exercise")
        verbose_name_plural = _("matching exercises")

    def __str__(self):
        return f"{self.session} · {self.step_key}"

    @property
    def is_closed(self):
        return self.closed_at is not None


class MatchingBoard(models.Model):
    """One group's board in an exercise: whether the group says it is done."""

    exercise = models.ForeignKey(
        MatchingExercise,
        verbose_name=_("exercise"),
        on_delete=models.CASCADE,
        related_name="boards",
    )
    group = models.ForeignKey(
        Group, verbose_name=_("group"), on_delete=models.CASCADE, related_name="matching_boards"
    )
    done_at = models.DateTimeField(_("marked done"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["exercise", "group"], name="matching_board_unique"),
        ]
        verbose_name = _("group board")
        verbose_name_plural = _("group boards")

    def __str__(self):
        return f"{self.exercise} · {self.group}"


class MatchPair(models.Model):
    """An experience card paired with a rights card on one group's board.

    One row per pair, so two members pairing different cards at the same
    moment insert two rows and neither overwrites the other; the unique
    constraint makes a repeated tap a no-op."""

    exercise = models.ForeignKey(
        MatchingExercise,
        verbose_name=_("exercise"),
        on_delete=models.CASCADE,
        related_name="pairs",
    )
    group = models.ForeignKey(
        Group, verbose_name=_("group"), on_delete=models.CASCADE, related_name="match_pairs"
    )
    experience = models.CharField(_("experience card"), max_length=50)
    right = models.CharField(_("rights card"), max_length=50)
    made_by = models.ForeignKey(
        Participant,
        verbose_name=_("made by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("made"), auto_now_add=True)

    class Meta:
        ordering = ["exercise_id", "group_id", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["exercise", "group", "experience", "right"], name="match_pair_unique"
            ),
        ]
        verbose_name = _("pair")
        verbose_name_plural = _("pairs")

    def __str__(self):
        return f"{self.group}: {self.experience} ↔ {self.right}"


class ClosingAnswer(models.Model):
    """A participant's answer to the exercise's closing question."""

    exercise = models.ForeignKey(
        MatchingExercise,
        verbose_name=_("exercise"),
        on_delete=models.CASCADE,
        related_name="answers",
    )
    participant = models.ForeignKey(
        Participant,
        verbose_name=_("participant"),
        on_delete=models.CASCADE,
        related_name="closing_answers",
    )
    text = models.TextField(_("answer"), max_length=500)
    shown_on_projector = models.BooleanField(_("shown on the projector"), default=False)
    created_at = models.DateTimeField(_("written"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        ordering = ["exercise_id", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["exercise", "participant"], name="closing_answer_one_per_participant"
            ),
            models.CheckConstraint(condition=~Q(text=""), name="closing_answer_not_empty"),
        ]
        verbose_name = _("closing answer")
        verbose_name_plural = _("closing answers")

    def __str__(self):
        return self.text[:50]


# -- Steps 1 and 2 and the UDHR introduction: what the room writes, draws and taps --
#
# Everything below belongs to one step of a session, named by its key in the
# case pack. Ideas, notes and answers follow their author: the group a
# contribution shows in is its author's group now (regrouping deletes
# groups, never what people wrote), and a removed participant's
# contributions leave every screen.


class UploadsStorage(FileSystemStorage):
    """Participants' uploads, in settings.UPLOADS_ROOT: outside MEDIA_ROOT, so
    nothing serves them by name; a view that checks who asks reads them."""

    @property
    def base_location(self):
        return settings.UPLOADS_ROOT

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("Participants' uploads have no public address.")


_UPLOADS = UploadsStorage()


def uploads_storage():
    return _UPLOADS


def _drawing_path(_idea, _filename):
    # Unguessable as well, should a file ever be seen by name.
    return f"ideas/{secrets.token_urlsafe(18)}.png"


class StepState(models.Model):
    """What the facilitator has chosen for one step of a session: what the
    projector shows, which group's note is on it, which background pages the
    phones may read. A step nobody touched has no row and shows its defaults."""

    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="step_states"
    )
    step_key = models.CharField(_("step"), max_length=50)
    view = models.CharField(_("projector shows"), max_length=20, blank=True)
    featured_group = models.ForeignKey(
        Group,
        verbose_name=_("group note on the projector"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    shown_backgrounds = models.JSONField(_("background pages open to participants"), default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "step_key"], name="step_state_unique_step"),
        ]
        verbose_name = _("step state")
        verbose_name_plural = _("step states")

    def __str__(self):
        return f"{self.session} · {self.step_key}"


class Idea(models.Model):
    """A way to protest that a participant wrote or drew (step 1)."""

    class Tag(models.TextChoices):
        ASSEMBLY = "assembly", _("Freedom of assembly")
        EXPRESSION = "expression", _("Freedom of expression")

    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="ideas"
    )
    step_key = models.CharField(_("step"), max_length=50)
    participant = models.ForeignKey(
        Participant, verbose_name=_("author"), on_delete=models.CASCADE, related_name="ideas"
    )
    # The idea in words, or the caption of a drawing.
    text = models.TextField(_("idea"), blank=True)
    drawing = models.ImageField(
        _("drawing"),
        upload_to=_drawing_path,
        storage=uploads_storage,
        blank=True,
        width_field="drawing_width",
        height_field="drawing_height",
    )
    drawing_width = models.PositiveIntegerField(null=True, blank=True)
    drawing_height = models.PositiveIntegerField(null=True, blank=True)
    about_assembly = models.BooleanField(_("about freedom of assembly"), default=False)
    about_expression = models.BooleanField(_("about freedom of expression"), default=False)
    crossed_out = models.BooleanField(_("crossed out"), default=False)
    crossed_out_reason = models.CharField(_("reason for crossing out"), max_length=200, blank=True)
    hidden = models.BooleanField(_("hidden from the projector"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["session", "step_key"], name="idea_session_step")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(text="") | ~Q(drawing=""), name="idea_has_text_or_drawing"
            ),
            models.CheckConstraint(
                condition=Q(crossed_out=True) | Q(crossed_out_reason=""),
                name="idea_reason_only_when_crossed_out",
            ),
        ]
        verbose_name = _("idea")
        verbose_name_plural = _("ideas")

    def __str__(self):
        return self.text[:60] or str(_("drawing"))

    @property
    def is_marked(self):
        """Once the facilitator has tagged, crossed out or hidden an idea, its
        author can no longer change it: the plenary talks about what it saw."""
        return self.about_assembly or self.about_expression or self.crossed_out or self.hidden


class ReflectionAnswer(models.Model):
    """A participant's answer to one of a step's reflection questions."""

    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="+"
    )
    step_key = models.CharField(_("step"), max_length=50)
    participant = models.ForeignKey(
        Participant,
        verbose_name=_("participant"),
        on_delete=models.CASCADE,
        related_name="reflection_answers",
    )
    question = models.PositiveSmallIntegerField(_("question"))
    text = models.TextField(_("answer"))
    shown_on_projector = models.BooleanField(_("shown on the projector"), default=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["question", "updated_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "step_key", "question"], name="reflection_answer_unique"
            ),
            models.CheckConstraint(condition=~Q(text=""), name="reflection_answer_not_empty"),
        ]
        verbose_name = _("reflection answer")
        verbose_name_plural = _("reflection answers")

    def __str__(self):
        return self.text[:60]


class GroupNote(models.Model):
    """One member's part of their group's shared note for a step (step 2).

    The group's note is its members' parts together. Each member writes only
    their own part, so two members typing at once each save their own row and
    neither can overwrite the other's words.
    """

    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="+"
    )
    step_key = models.CharField(_("step"), max_length=50)
    participant = models.ForeignKey(
        Participant, verbose_name=_("member"), on_delete=models.CASCADE, related_name="notes"
    )
    text = models.TextField(_("thoughts"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["participant__joined_at", "participant_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "step_key"], name="group_note_one_part_per_member"
            ),
            models.CheckConstraint(condition=~Q(text=""), name="group_note_not_empty"),
        ]
        verbose_name = _("group note")
        verbose_name_plural = _("group notes")

    def __str__(self):
        return self.text[:60]


class UdhrTap(models.Model):
    """ "I used this right today": one participant, one article of the UDHR."""

    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="+"
    )
    step_key = models.CharField(_("step"), max_length=50)
    participant = models.ForeignKey(
        Participant, verbose_name=_("participant"), on_delete=models.CASCADE, related_name="+"
    )
    article = models.PositiveSmallIntegerField(_("article"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "step_key", "article"], name="udhr_tap_unique"
            ),
            models.CheckConstraint(
                condition=Q(article__gte=1) & Q(article__lte=30), name="udhr_tap_article_range"
            ),
        ]
        verbose_name = _("right used today")
        verbose_name_plural = _("rights used today")

    def __str__(self):
        return f"{self.participant} · {self.article}"
