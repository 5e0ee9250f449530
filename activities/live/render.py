"""Rendering the live parts of the three screens.

The page views and the hub render the same partials from the same context
builders, so a pushed update is exactly what a reload would show.
"""

import threading
import time
from functools import lru_cache

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe

from .. import retention, steps
from ..models import Group, Participant, Session
from . import presence

PARTIALS = {
    "stage": ("stage", "activities/participant.html#stage"),
    "group": ("group", "activities/participant.html#group"),
    "bye": ("bye", "activities/participant.html#removed"),
    "admission": ("admission", "activities/waiting.html#admission"),
    "projector": ("projector", "activities/projector.html#projector"),
    "control-step": ("control-step", "activities/control.html#control-step"),
    "control-roster": ("control-roster", "activities/control.html#control-roster"),
}


def timer_context(session):
    remaining = session.timer_remaining()
    return {
        "timer_seconds": int(remaining.total_seconds()) if remaining is not None else None,
        "timer_paused": session.timer_paused_remaining is not None,
    }


def session_context(session, *, screen, group=None):
    step = session.step
    context = {
        "session": session,
        "content": session.content,
        "activity": session.activity,
        "step": step,
        **timer_context(session),
    }
    if step is not None:
        context["step_templates"] = steps.templates(step)
        context.update(steps.kind_context(session, step, screen=screen, group=group))
    return context


def stage_context(session):
    return session_context(session, screen="participant")


def group_context(session, group):
    context = session_context(session, screen="group", group=group)
    context["group"] = group
    context["members"] = list(group.members.present().order_by("joined_at", "id")) if group else []
    return context


@lru_cache(maxsize=256)
def qr_svg(url):
    """The join link as an inline SVG QR code, made on the server."""
    qr = segno.make(url, error="m")
    return mark_safe(qr.svg_inline(scale=8, dark="#111", light="#fff", omitsize=True))  # noqa: S308


def projector_context(session):
    context = session_context(session, screen="projector")
    context["participant_count"] = session.participants.present().count()
    context["qr"] = qr_svg(session.join_url)
    return context


def roster_context(session):
    people = list(session.participants.order_by("joined_at", "id"))
    online = presence.connected(session.pk)
    for person in people:
        person.is_connected = person.pk in online
    present = [person for person in people if not person.is_removed and not person.waiting]
    groups = list(session.groups.order_by("number"))
    by_group = {group.pk: [] for group in groups}
    unassigned = []
    for person in present:
        by_group.get(person.group_id, unassigned).append(person)
    for group in groups:
        group.people = by_group[group.pk]
        for person in group.people:
            person.group_number = group.number
    return {
        "session": session,
        "groups": groups,
        "unassigned": unassigned,
        "present": present,
        "waiting": [person for person in people if person.waiting and not person.is_removed],
        "removed": [person for person in people if person.is_removed],
        "connected_count": sum(1 for person in present if person.is_connected),
        "retention_days": settings.W4R_RETENTION_DAYS,
        "retention_date": retention.expiry_date(session),
    }


def control_context(session):
    context = session_context(session, screen="control")
    context.update(roster_context(session))
    context["qr"] = qr_svg(session.join_url)
    return context


def _render(kind, context):
    name, template = PARTIALS[kind]
    return name, render_to_string(template, context)


def render_groups(session_id, group_ids, language):
    """{group id: (event name, html, session version)} for several groups'
    panels at once (the hub asks for every panel due after a change): one
    reading of the session and its pack, every group's members in one query.
    Each panel is what render_part renders for `group:<id>`."""
    with translation.override(language):
        session = (
            Session.objects.select_related("case_version")
            .defer("case_version__data")
            .filter(pk=session_id)
            .first()
        )
        if session is None:
            return {}
        groups = {group.pk: group for group in session.groups.filter(pk__in=group_ids)}
        members = {}
        for person in (
            Participant.objects.filter(group__in=list(groups.values()))
            .present()
            .order_by("joined_at", "id")
        ):
            members.setdefault(person.group_id, []).append(person)
        rendered = {}
        for group_id in group_ids:
            group = groups.get(group_id)
            context = session_context(session, screen="group", group=group)
            context["group"] = group
            context["members"] = members.get(group_id, [])
            name, html = _render("group", context)
            rendered[group_id] = (name, html, session.version)
        return rendered


def render_part(session_id, part, language):
    """(event name, html, session version) for one part, or None.

    The projector is rendered in its session's language whatever `language`
    its stream opened with: after the facilitator changes it, the page sees
    the new language in the push and reloads (static/w4r/live.js)."""
    try:
        with translation.override(language):
            session = (
                Session.objects.select_related("case_version")
                .defer("case_version__data")
                .get(pk=session_id)
            )
            if part == "projector":
                # Undone with the rest when the override ends.
                translation.activate(session.projector_language)
            if part == "stage":
                name, html = _render("stage", stage_context(session))
            elif part.startswith("group:"):
                group = Group.objects.filter(pk=int(part[6:]), session=session).first()
                name, html = _render("group", group_context(session, group))
            elif part.startswith("participant:"):
                person = Participant.objects.filter(pk=int(part[12:]), session=session).first()
                if person is None or not person.is_removed:
                    return None
                name, html = _render("bye", {"session": session})
            elif part.startswith("admission:"):
                person = Participant.objects.filter(pk=int(part[10:]), session=session).first()
                if person is None:
                    return None
                name, html = _render("admission", {"session": session, "participant": person})
            elif part == "projector":
                name, html = _render("projector", projector_context(session))
            elif part == "control-step":
                name, html = _render("control-step", control_context(session))
            elif part == "control-roster":
                name, html = _render("control-roster", roster_context(session))
            else:
                return None
            return name, html, session.version
    except Session.DoesNotExist:
        return None


_RECENT_SECONDS = 2.0
_recent = {}  # (session id, version, part, language) -> (time, render)
_recent_lock = threading.Lock()


def recent_render(session_id, version, part, language):
    """render_part, shared for a moment by the phones that poll after the
    same change (2,000 phones find it within seconds of one another). Kept
    briefly only: a render also holds the time left on the step's timer."""
    key = (session_id, version, part, language)
    now = time.monotonic()
    found = _recent.get(key)
    if found is not None and now - found[0] < _RECENT_SECONDS:
        return found[1]
    rendered = render_part(session_id, part, language)
    with _recent_lock:
        for old in [k for k, (at, _r) in _recent.items() if now - at >= _RECENT_SECONDS]:
            del _recent[old]
        _recent[key] = (now, rendered)
    return rendered


def forget_recent_renders():
    with _recent_lock:
        _recent.clear()


def poll_answer(session_id, version, parts, language):
    """What a poll that missed a change gets: every part that renders, as
    out-of-band swaps (the renders shared with the other phones asking)."""
    chunks = []
    for part in parts:
        rendered = recent_render(session_id, version, part, language)
        if rendered is not None:
            name, html, _version = rendered
            context = {"target": f"live-{name}", "html": html}
            chunks.append(render_to_string("activities/_oob.html", context))
    return "".join(chunks)
