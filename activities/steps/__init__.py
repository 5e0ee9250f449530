"""Step kinds: what a step of each kind shows on the three screens.

A case pack's steps name a kind; a kind is a folder of templates
(`templates/activities/steps/<kind>/{participant,projector,control,group}.html`)
and, when it needs more than the pack's texts, a module here with a
`context(session, step, *, screen, group=None)` function (and optionally
`personal_context(session, step, participant)` and `summary(session, step)`).
A kind without its own template for a screen falls back to the generic one,
which shows the pack's texts: the title, what to read aloud, the
participants' text and the questions.
"""

from functools import cache
from importlib import import_module

from django.template.loader import select_template
from django.utils.translation import gettext_lazy as _

KINDS = {
    "udhr_intro": _("Introducing the UDHR"),
    "protest_ideas": _("Protest ideas"),
    "story": _("Story and discussion"),
    "matching": _("Matching rights"),
    "take_action": _("Take action"),
}
SCREENS = ("participant", "projector", "control", "group")


@cache
def template_for(kind, screen):
    return select_template(
        [f"activities/steps/{kind}/{screen}.html", f"activities/steps/generic/{screen}.html"]
    )


@cache
def _module(kind):
    try:
        return import_module(f"activities.steps.{kind}")
    except ModuleNotFoundError:
        return None


def kind_context(session, step, *, screen, group=None):
    """What a step kind adds to its templates' context on one screen.

    `screen` is "participant" (the room's stage), "group" (one group's panel,
    with `group`), "projector" or "control". A kind module defines
    `context(session, step, *, screen, group=None)` and returns a dict.
    """
    module = _module(step.kind)
    if module is None or not hasattr(module, "context"):
        return {}
    return module.context(session, step, screen=screen, group=group)


def kind_personal_context(session, step, participant):
    """What one phone shows of its own in a step (its answers, its part of a
    note, the rights it tapped): never pushed, since a push is rendered once
    for the whole room. The participant's page renders it in place, and the
    kind's views render the same templates with it when a phone asks.

    A kind module defines `personal_context(session, step, participant)`.
    """
    module = _module(step.kind)
    if module is None or not hasattr(module, "personal_context"):
        return {}
    return module.personal_context(session, step, participant)


def templates(step):
    return {screen: template_for(step.kind, screen) for screen in SCREENS}


def kind_summaries(session):
    """Each step kind's part of the session summary, in the order of the steps.

    A kind module may define `summary(session, step)` returning a dict with
    a "template" (a template name) and the context that template needs; the
    summary page includes each one.
    """
    parts, seen = [], set()
    for step in session.activity.steps:
        module = _module(step.kind)
        if step.kind in seen or module is None or not hasattr(module, "summary"):
            continue
        seen.add(step.kind)
        part = module.summary(session, step)
        if part:
            parts.append(part)
    return parts
