"""Cases (loaded from case packs) and the live sessions that run them.

A case pack's content is kept whole, as validated JSON, in an immutable
CaseVersion: loading a changed pack adds a version, and a session stays bound
to the version it started with. Everything a session shows comes from that
version's data through `activities.content`.
"""

from django.conf import settings
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
        ordering = ["case", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="case_version_unique_number"),
        ]
        verbose_name = _("case version")
        verbose_name_plural = _("case versions")

    def __str__(self):
        return f"{self.case} v{self.number}"

    @property
    def content(self):
        return CaseContent(self.data, images={image.path: image for image in self.images.all()})


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
        ordering = ["session", "number"]
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
        ordering = ["session", "joined_at", "id"]
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
