"""Authorization, everywhere (docs/security.md, "Who reaches what").

Every URL pattern of the app is tried as each kind of visitor: nobody, a
participant of the session, a participant of another session, a
participant of another group, a removed participant, another facilitator,
the session's facilitator, an admin. Each gets what it should or a
403/404/redirect to a sign-in page, and no answer contains names or codes
the visitor has no business seeing.

A URL pattern without an entry in MATRIX fails `test_every_url_is_in_the_matrix`:
a branch that adds a URL adds its row here (see docs/security.md).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import Group as AuthGroup
from django.core import signing
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from activities import identity, services
from activities.models import Case, CaseVersion, Group, Idea, ReflectionAnswer, Session
from activities.steps.drawings import clean_drawing
from letters.models import Letter, SessionAction, Tally
from tests.factories import UserFactory, join, live_session, picture_bytes
from w4r.jsi18n import catalog_url

ROLES = (
    "nobody",
    "participant",
    "other_session_participant",
    "other_group_participant",
    "removed_participant",
    "other_facilitator",
    "facilitator",
    "admin",
)
PARTICIPANTS = (
    "participant",
    "other_session_participant",
    "other_group_participant",
    "removed_participant",
)
LOGIN = "login"  # 302 to the facilitator sign-in
ADMIN_LOGIN = "admin-login"  # 302 to the admin sign-in


# -- The world every request is tried in ---------------------------------------


class World:
    """Session A (the one every URL names) with groups G1 and G2, session B
    of another facilitator; nicknames nobody would type by chance."""

    def __init__(self):
        self.facilitator = UserFactory(username="owner")
        self.other_facilitator = UserFactory(username="stranger")
        self.admin = UserFactory(username="root", is_staff=True, is_superuser=True)
        self.a = live_session(facilitator=self.facilitator, group_size=2)
        self.p1 = join(self.a, "Zorblaxia")
        self.p1_mate = join(self.a, "Quaxelot")
        self.p2 = join(self.a, "Wimbledrix")
        self.removed = join(self.a, "Vexmorrow")
        services.participant_remove(participant=self.removed)
        self.b = live_session(facilitator=self.other_facilitator)
        self.q = join(self.b, "Brontesque")
        self.g1, self.g2 = self.p1.group, self.p2.group
        assert self.p1_mate.group_id == self.g1.pk != self.g2.pk
        self.first_step = self.a.activity.steps[0].key
        AccessAttempt.objects.create(
            username="x", ip_address="192.0.2.1", user_agent="", failures_since_start=1
        )
        AccessLog.objects.create(username="x", ip_address="192.0.2.1", user_agent="")
        AccessFailureLog.objects.create(username="x", ip_address="192.0.2.1", user_agent="")

    @property
    def a_names(self):
        return {"Zorblaxia", "Quaxelot", "Wimbledrix", "Vexmorrow"}

    def may_see(self, role):
        """Names and codes this visitor may find in an answer."""
        a_code = {self.a.room_code, self.a.display_code}
        b_all = {"Brontesque", self.b.room_code, self.b.display_code}
        return {
            "nobody": set(),
            "participant": {"Zorblaxia", "Quaxelot"} | a_code,
            "other_group_participant": {"Wimbledrix"} | a_code,
            "removed_participant": {"Vexmorrow"} | a_code,
            "other_session_participant": b_all,
            "other_facilitator": b_all,
            "facilitator": self.a_names | a_code,
            "admin": self.a_names | a_code | b_all,
        }[role]

    @property
    def secrets(self):
        return self.a_names | {"Brontesque", self.b.room_code, self.b.display_code}

    def client(self, role):
        client = Client(raise_request_exception=True)
        person = {
            "participant": self.p1,
            "other_session_participant": self.q,
            "other_group_participant": self.p2,
            "removed_participant": self.removed,
        }.get(role)
        if person is not None:
            signer = signing.get_cookie_signer(salt=settings.PARTICIPANT_COOKIE + identity.SALT)
            client.cookies[settings.PARTICIPANT_COOKIE] = signer.sign(str(person.pk))
        user = {
            "other_facilitator": self.other_facilitator,
            "facilitator": self.facilitator,
            "admin": self.admin,
        }.get(role)
        if user is not None:
            client.force_login(user)
        return client


# -- What each URL should answer -------------------------------------------------


@dataclass
class Entry:
    url: Callable[[World], str]
    expect: dict
    method: str = "get"
    data: Callable[[World], dict] = field(default=lambda w: {})


def everyone(status):
    return dict.fromkeys(ROLES, status)


def participant_url(*, own, others, removed=None, owner=None):
    """A participant URL of session A: `own` for its members (P1, P2)."""
    expect = dict.fromkeys(ROLES, others)
    expect["participant"] = expect["other_group_participant"] = own
    if removed is not None:
        expect["removed_participant"] = removed
    if owner is not None:
        expect["facilitator"] = owner
    return expect


def facilitator_url(*, owner=200, strangers=404, anonymous=LOGIN):
    """A facilitator URL of session A: only its facilitator gets in."""
    expect = dict.fromkeys(ROLES, anonymous)
    expect["other_facilitator"] = expect["admin"] = strangers
    expect["facilitator"] = owner
    return expect


def signed_in(status, *, anonymous=LOGIN):
    """Any signed-in account (facilitators and admins), nobody else."""
    expect = dict.fromkeys(ROLES, anonymous)
    for role in ("other_facilitator", "facilitator", "admin"):
        expect[role] = status
    return expect


def admin_only(status=200):
    expect = dict.fromkeys(ROLES, ADMIN_LOGIN)
    expect["admin"] = status
    return expect


def code_url(name, *extra):
    return lambda w: reverse(name, args=[w.a.room_code, *[x(w) for x in extra]])


def action(name, data=lambda w: {}, *extra):
    return Entry(code_url(name, *extra), facilitator_url(owner=302), "post", data)


P1 = lambda w: w.p1.pk  # noqa: E731
G1 = lambda w: w.g1.pk  # noqa: E731
MATCHING = lambda w: "matching"  # noqa: E731  (the 2024 pack's matching step)


def P1_LETTER(w):  # noqa: N802
    """A finished letter of P1 in session A (made inside each request's rollback)."""
    import uuid

    from django.utils import timezone

    from letters.models import Letter, SafetyChoice

    SafetyChoice.objects.get_or_create(participant=w.p1, defaults={"choice": "name"})
    letter, _created = Letter.objects.get_or_create(
        participant=w.p1,
        client_key=uuid.UUID(int=1),
        defaults={
            "session": w.a,
            "kind": "authority",
            "text": "Dear Minister",
            "words": 2,
            "status": "finished",
            "finished_at": timezone.now(),
        },
    )
    return letter.pk


def own_letter_only():
    """A participant URL naming P1's letter: P1 only, not P1's group or session."""
    expect = participant_url(own=302, others=404)
    expect["other_group_participant"] = 404
    return expect


def letter_form(w):
    return {"kind": "authority", "client_key": str(w.p1.pk), "revision": "1", "text": "Dear"}


def running(step_key, url):
    """`url`, asked while session A runs step `step_key` (each visitor's
    transaction is rolled back, the step change with it)."""

    def at_step(w):
        services.session_go_to_step(session=w.a, step_key=step_key)
        return url(w)

    return at_step


def p1_idea(w, *, drawing=False):
    """An idea P1 wrote (or drew) in step 1 of session A; its id."""
    idea = Idea(session=w.a, step_key="protest", participant=w.p1, text="" if drawing else "Idea")
    if drawing:
        idea.drawing.save("d.png", ContentFile(clean_drawing(picture_bytes()).png), save=False)
    idea.save()
    return idea.pk


def p1_answer(w):
    return ReflectionAnswer.objects.create(
        session=w.a, step_key="protest", participant=w.p1, question=0, text="Answer"
    ).pk


def member_url(*, own, others=302, other_group=None):
    """A phone URL of a step: P1's group (and P2's, unless `other_group`)."""
    expect = participant_url(own=own, others=others)
    if other_group is not None:
        expect["other_group_participant"] = other_group
    return expect


IDEA = lambda w: p1_idea(w)  # noqa: E731
STEP_1 = lambda w: "protest"  # noqa: E731
STEP_2 = lambda w: "story"  # noqa: E731

MATRIX = {
    # Participants' pages.
    "home": Entry(lambda w: reverse("home"), everyone(200)),
    "privacy": Entry(lambda w: reverse("privacy"), everyone(200)),
    "js_catalog": Entry(lambda w: catalog_url("fr"), everyone(200)),
    "join": Entry(lambda w: reverse("join"), everyone(200)),
    "join_room": Entry(code_url("join_room"), participant_url(own=302, others=200)),
    "room": Entry(code_url("room"), participant_url(own=200, others=302)),
    "room_events": Entry(code_url("room_events"), participant_url(own=200, others=403)),
    "room_poll": Entry(code_url("room_poll"), participant_url(own=200, others=403)),
    "room_admission": Entry(code_url("room_admission"), everyone(302)),
    "waiting_events": Entry(code_url("waiting_events"), participant_url(own=200, others=403)),
    "waiting_poll": Entry(code_url("waiting_poll"), participant_url(own=200, others=403)),
    # Take action on phones (letters/views.py): the phone's own letters only.
    "letters:panel": Entry(code_url("letters:panel"), participant_url(own=200, others=404)),
    "letters:choose": Entry(
        code_url("letters:choose"),
        participant_url(own=302, others=404),
        "post",
        lambda w: {"choice": "name"},
    ),
    # Refused for P1 and P2 alike: nobody chose how to sign yet.
    "letters:save": Entry(
        code_url("letters:save"), participant_url(own=400, others=404), "post", letter_form
    ),
    "letters:reopen": Entry(code_url("letters:reopen", P1_LETTER), own_letter_only(), "post"),
    # Facilitators' pages.
    "dashboard": Entry(lambda w: reverse("dashboard"), signed_in(200)),
    "session_create": Entry(lambda w: reverse("session_create"), signed_in(400), "post"),
    "control": Entry(code_url("control"), facilitator_url()),
    "projector": Entry(code_url("projector"), facilitator_url()),
    "control_events": Entry(
        code_url("control_events"), facilitator_url(strangers=403, anonymous=403)
    ),
    "control_poll": Entry(code_url("control_poll"), facilitator_url(strangers=403, anonymous=403)),
    "projector_events": Entry(
        code_url("projector_events"), facilitator_url(strangers=403, anonymous=403)
    ),
    "projector_poll": Entry(
        code_url("projector_poll"), facilitator_url(strangers=403, anonymous=403)
    ),
    # Facilitators' actions: POST, each through its service.
    "go_to_step": action("go_to_step", lambda w: {"step": w.first_step}),
    "next_step": action("next_step"),
    "previous_step": action("previous_step"),
    "timer": action("timer", lambda w: {"action": "pause"}),
    "lock": action("lock", lambda w: {"locked": "1"}),
    "projector_language": action("projector_language", lambda w: {"language": "es"}),
    "group_size": action("group_size", lambda w: {"group_size": "3"}),
    "regroup": action("regroup"),
    "add_group": action("add_group"),
    "move_participant": action("move_participant", lambda w: {"group": w.g2.pk}, P1),
    "remove_participant": action("remove_participant", lambda w: {}, P1),
    "end_session": action("end_session"),
    "approve_joins": action("approve_joins", lambda w: {"approve": "1"}),
    "nickname_filter": action("nickname_filter", lambda w: {"filter": "0"}),
    "max_participants": action("max_participants", lambda w: {"max_participants": "40"}),
    "admit_participant": action("admit_participant", lambda w: {}, P1),
    "admit_all": action("admit_all"),
    "delete_data": action("delete_data", lambda w: {"confirm": "1"}),
    "session_summary": Entry(code_url("session_summary"), facilitator_url()),
    "letters:letters": Entry(code_url("letters:letters"), facilitator_url()),
    "letters:news": Entry(code_url("letters:news"), facilitator_url(owner=204)),
    "letters:print": Entry(code_url("letters:print"), facilitator_url()),
    "letters:export_csv": Entry(code_url("letters:export_csv"), facilitator_url()),
    "letters:export_zip": Entry(code_url("letters:export_zip"), facilitator_url()),
    "letters:show_why": action("letters:show_why", lambda w: {"show": "1"}),
    "letters:mark": action("letters:mark", lambda w: {"printed": "1"}),
    "letters:hide": action("letters:hide", lambda w: {"hidden": "1"}, P1_LETTER),
    # Step 3, matching rights (activities/steps/matching): a group's board
    # and the closing question from phones (P1's group is G1; the step is not
    # on, so a member's change is refused and sent back to the room)...
    "matching_pair": Entry(
        code_url("matching_pair", MATCHING, G1),
        participant_url(own=302, others=403),
        "post",
        lambda w: {"experience": "arrested", "pair": "art-9"},
    ),
    "matching_done": Entry(
        code_url("matching_done", MATCHING, G1),
        participant_url(own=302, others=403),
        "post",
        lambda w: {"done": "1"},
    ),
    "matching_answer": Entry(
        code_url("matching_answer", MATCHING), participant_url(own=200, others=403)
    ),
    # ...closing, the reveal and the answers from the control view.
    "matching_close": action("matching_close", lambda w: {"closed": "1"}, MATCHING),
    "matching_reveal": action("matching_reveal", lambda w: {"card": "0"}, MATCHING),
    "matching_projector": action("matching_projector", lambda w: {"answers": "1"}, MATCHING),
    "matching_answers_all": action("matching_answers_all", lambda w: {"shown": "1"}, MATCHING),
    "matching_answer_shown": action(
        "matching_answer_shown", lambda w: {"shown": "1"}, lambda w: 999
    ),
    # Steps 1 and 2 and the UDHR introduction: phones (a refused text or
    # article answers the room page again, 400, to those who may write).
    "idea_add": Entry(
        running("protest", code_url("idea_add")),
        member_url(own=400),
        "post",
        lambda w: {"step": "protest", "text": " "},
    ),
    "group_ideas": Entry(running("protest", code_url("group_ideas")), member_url(own=200)),
    "idea_edit": Entry(
        running("protest", code_url("idea_edit", IDEA)), member_url(own=200, other_group=404)
    ),
    "idea_drawing": Entry(
        code_url("idea_drawing", lambda w: p1_idea(w, drawing=True)),
        {**everyone(404), "participant": 200, "facilitator": 200},
    ),
    "reflection_answers": Entry(
        running("protest", code_url("reflection_answers")), member_url(own=200)
    ),
    "group_note": Entry(running("story", code_url("group_note")), member_url(own=200)),
    "udhr_rights": Entry(running("udhr", code_url("udhr_rights")), member_url(own=200)),
    "udhr_tap": Entry(
        running("udhr", code_url("udhr_tap", lambda w: 31)),
        member_url(own=400),
        "post",
        lambda w: {"step": "udhr", "used": "1"},
    ),
    # ...and the facilitator.
    "idea_tag": action("idea_tag", lambda w: {"tag": "assembly", "on": "1"}, IDEA),
    "idea_cross_out": action("idea_cross_out", lambda w: {"reason": "Banned"}, IDEA),
    "idea_restore": action("idea_restore", lambda w: {}, IDEA),
    "idea_hide": action("idea_hide", lambda w: {"hidden": "1"}, IDEA),
    "answer_show": action("answer_show", lambda w: {"shown": "1"}, p1_answer),
    "step_view": action("step_view", lambda w: {"view": "ideas"}, STEP_1),
    "note_feature": action("note_feature", lambda w: {"group": w.g1.pk}, STEP_2),
    "background_show": action(
        "background_show", lambda w: {"key": "right-to-peaceful-protest", "shown": "1"}, STEP_2
    ),
    # Accounts.
    "login": Entry(lambda w: reverse("login"), everyone(200)),
    "logout": Entry(lambda w: reverse("logout"), everyone(405)),
    "password_change": Entry(lambda w: reverse("password_change"), signed_in(200)),
    "password_change_done": Entry(lambda w: reverse("password_change_done"), signed_in(200)),
    "password_reset": Entry(lambda w: reverse("password_reset"), everyone(200)),
    "password_reset_done": Entry(lambda w: reverse("password_reset_done"), everyone(200)),
    "password_reset_confirm": Entry(
        lambda w: reverse("password_reset_confirm", args=["MQ", "bad-token"]), everyone(200)
    ),
    "password_reset_complete": Entry(lambda w: reverse("password_reset_complete"), everyone(200)),
    "set_language": Entry(lambda w: reverse("set_language"), everyone(302)),
    # Case pictures: part of the case pack, the same for everyone (no
    # participant content is ever served from media: docs/security.md).
    "media/<path:path>": Entry(lambda w: "/media/cases/no-such-picture.png", everyone(404)),
    # The admin: only staff. Only admins load or edit cases.
    "admin:index": Entry(lambda w: reverse("admin:index"), admin_only()),
    "admin:login": Entry(lambda w: reverse("admin:login"), {**everyone(200), "admin": 302}),
    # Signing out is a POST; a GET by non-staff is sent to the admin first.
    "admin:logout": Entry(lambda w: reverse("admin:logout"), {**everyone(302), "admin": 405}),
    "admin:password_change": Entry(lambda w: reverse("admin:password_change"), admin_only()),
    "admin:password_change_done": Entry(
        lambda w: reverse("admin:password_change_done"), admin_only()
    ),
    "admin:jsi18n": Entry(lambda w: reverse("admin:jsi18n"), admin_only()),
    "admin:autocomplete": Entry(lambda w: reverse("admin:autocomplete"), admin_only(403)),
    "admin:view_on_site": Entry(
        lambda w: reverse("admin:view_on_site", args=[1, 1]), admin_only(404)
    ),
    "admin:app_list": Entry(lambda w: reverse("admin:app_list", args=["activities"]), admin_only()),
    "admin:activities_case_load": Entry(
        lambda w: reverse("admin:activities_case_load"), admin_only()
    ),
    "admin:activities_case_content": Entry(
        lambda w: reverse("admin:activities_case_content", args=[w.a.case_version.case_id]),
        admin_only(),
    ),
    "admin:auth_user_password_change": Entry(
        lambda w: reverse("admin:auth_user_password_change", args=[w.facilitator.pk]),
        admin_only(),
    ),
    "admin/(?P<url>.*)$": Entry(lambda w: "/admin/no/such/page/", admin_only(404)),
    "admin:letters_tally_totals": Entry(
        lambda w: reverse("admin:letters_tally_totals"), admin_only()
    ),
    "admin:letters_tally_totals_csv": Entry(
        lambda w: reverse("admin:letters_tally_totals_csv"), admin_only()
    ),
}

# The model admin's own pages, for every model registered in the admin.
ADMIN_OBJECTS = {
    Case: lambda w: w.a.case_version.case_id,
    CaseVersion: lambda w: w.a.case_version_id,
    Session: lambda w: w.a.pk,
    Group: lambda w: w.g1.pk,
    UserFactory._meta.model: lambda w: w.facilitator.pk,
    AuthGroup: None,
    AccessAttempt: lambda w: AccessAttempt.objects.first().pk,
    AccessLog: lambda w: AccessLog.objects.first().pk,
    AccessFailureLog: lambda w: AccessFailureLog.objects.first().pk,
    Letter: P1_LETTER,
    SessionAction: None,
    Tally: None,
}
ADD_REFUSED = {
    Case,
    CaseVersion,
    Session,
    AccessAttempt,
    AccessLog,
    AccessFailureLog,
    Letter,
    SessionAction,
    Tally,
}


def _model_admin_entries():
    entries = {}
    for model in admin.site._registry:
        opts = model._meta
        prefix = f"admin:{opts.app_label}_{opts.model_name}"
        pk = ADMIN_OBJECTS[model]
        entries[f"{prefix}_changelist"] = Entry(
            lambda w, p=prefix: reverse(f"{p}_changelist"), admin_only()
        )
        entries[f"{prefix}_add"] = Entry(
            lambda w, p=prefix: reverse(f"{p}_add"),
            admin_only(403 if model in ADD_REFUSED else 200),
        )
        for view in ("change", "delete", "history"):
            if pk is None:  # no object of this model: the admin says so and redirects
                url = lambda w, p=prefix, v=view: reverse(f"{p}_{v}", args=[999])  # noqa: E731
                status = 302
            else:
                url = lambda w, p=prefix, v=view, pk=pk: reverse(f"{p}_{v}", args=[pk(w)])  # noqa: E731
                status = 200
            entries[f"{prefix}_{view}"] = Entry(url, admin_only(status))
        route = f"admin/{opts.app_label}/{opts.model_name}/<path:object_id>/"
        entries[route] = Entry(
            lambda w, p=prefix, pk=pk: (
                f"/admin/{p[6:].replace('_', '/', 1)}/{pk(w) if pk else 999}/"
            ),
            admin_only(302),
        )
    return entries


MATRIX.update(_model_admin_entries())


# -- The tests ---------------------------------------------------------------------


def url_patterns(patterns=None, namespace=""):
    """(key, pattern) for every URL pattern: its namespaced name, or its route."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}" if pattern.namespace else namespace
            for key, route in url_patterns(pattern.url_patterns, inner.strip(":")):
                yield key, (str(pattern.pattern) + route if not key else route)
        elif isinstance(pattern, URLPattern):
            if pattern.name:
                yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), ""
            else:
                yield None, str(pattern.pattern)


def every_url_key():
    keys = set()
    for key, route in url_patterns():
        keys.add(key or route)
    return keys


def test_every_url_is_in_the_matrix():
    missing = sorted(every_url_key() - set(MATRIX))
    assert missing == [], "add these URLs to MATRIX in tests/test_authorization.py"


def test_the_matrix_names_no_url_that_is_gone():
    assert sorted(set(MATRIX) - every_url_key()) == []


def _problem(world, key, role, entry, response, url):
    expected = entry.expect[role]
    status = response.status_code
    if expected == LOGIN:
        ok = status == 302 and response.url.startswith(reverse("login"))
    elif expected == ADMIN_LOGIN:
        ok = status == 302 and response.url.startswith(reverse("admin:login"))
    else:
        ok = status == expected
    if not ok:
        where = getattr(response, "url", "")
        request = f"{entry.method.upper()} {url}"
        return f"{key} as {role}: {request} -> {status} {where}, expected {expected}"
    if response.streaming:
        # The stream is never started: reading it would follow the session
        # forever, and closing it would close the test's database connection.
        return None
    body = response.content.decode(errors="replace")
    carried = {secret for secret in world.secrets if secret in url}
    leaked = sorted(
        secret for secret in world.secrets - world.may_see(role) - carried if secret in body
    )
    if leaked:
        return f"{key} as {role}: {url} shows {leaked}"
    return None


@pytest.mark.django_db
def test_each_visitor_gets_what_it_should_and_nothing_of_others():
    world = World()
    problems = []
    for key, entry in sorted(MATRIX.items()):
        for role in ROLES:
            with transaction.atomic():
                url = entry.url(world)
                client = world.client(role)
                response = getattr(client, entry.method)(url, entry.data(world))
                problem = _problem(world, key, role, entry, response, url)
                if problem:
                    problems.append(problem)
                transaction.set_rollback(True)
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
class TestNoCrossingOver:
    """The identifiers in a URL are checked against each other, not only
    the session: nobody reaches B's people or groups through A's URLs."""

    def test_a_facilitator_cannot_reach_another_sessions_people_through_their_own(self, client):
        world = World()
        client.force_login(world.facilitator)
        for name in ("move_participant", "remove_participant", "admit_participant"):
            url = reverse(name, args=[world.a.room_code, world.q.pk])
            assert client.post(url, {"group": world.g1.pk}).status_code == 404, name
        url = reverse("move_participant", args=[world.a.room_code, world.p1.pk])
        assert client.post(url, {"group": world.b.groups.first().pk}).status_code == 404
        world.q.refresh_from_db()
        assert world.q.removed_at is None and world.q.session_id == world.b.pk

    def test_a_participants_cookie_is_worth_nothing_to_facilitator_urls(self):
        world = World()
        phone = world.client("participant")
        for name in ("control", "projector"):
            response = phone.get(reverse(name, args=[world.a.room_code]))
            assert response.status_code == 302 and response.url.startswith(reverse("login"))
        assert phone.get(reverse("control_events", args=[world.a.room_code])).status_code == 403

    def test_only_admins_load_cases(self, client):
        world = World()
        for user in (world.facilitator, world.other_facilitator):
            client.force_login(user)
            response = client.post(reverse("admin:activities_case_load"))
            assert response.status_code == 302 and "/admin/login/" in response.url
        staff = UserFactory(is_staff=True)  # staff without the case permissions
        client.force_login(staff)
        assert client.get(reverse("admin:activities_case_load")).status_code == 403
