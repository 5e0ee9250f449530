"""What the case pack says about taking action: the targets and the step's options."""

from django.utils.translation import get_language_info

from .models import Letter

KIND = "take_action"


def action_steps(session):
    return [step for step in session.activity.steps if step.kind == KIND]


def offers(step, what):
    """Whether a take-action step offers "letter", "solidarity" or "social"."""
    return bool(step.data.get(what, True))


def kinds_offered(session):
    """The kinds of letter the session's take-action steps let people write.

    Read from the pack's raw data: a save runs this on every keystroke pause,
    and building the whole CaseContent (with its images) would cost more.
    """
    data = session.case_version.content.data
    activity = next(
        (item for item in data["activities"] if item["key"] == session.activity_key), None
    )
    kinds = set()
    for step in activity["steps"] if activity else []:
        if step["kind"] != KIND:
            continue
        if step.get("letter", True):
            kinds.add(Letter.Kind.AUTHORITY)
        if step.get("solidarity", True):
            kinds.add(Letter.Kind.SOLIDARITY)
    return kinds


def language_name(code):
    """A language's name in the reader's language and in its own, e.g. "Belarusian
    (беларуская)"; the bare code when Django does not know it."""
    for candidate in (code.lower(), code.split("-")[0].lower()):
        try:
            info = get_language_info(candidate)
            break
        except KeyError:
            continue
    else:
        return code
    translated, local = str(info["name_translated"]), info["name_local"]
    return translated if translated == local else f"{translated} ({local})"


def solidarity_languages(content):
    return [
        {"code": code, "name": language_name(code)}
        for code in content.data["targets"]["solidarity"]["languages"]
    ]


def social_lines(content):
    """Ready-to-copy texts: each target's handles with the campaign's hashtags."""
    targets = content.data["targets"]
    hashtags = " ".join(targets.get("hashtags", []))
    lines = []
    for key in ("authority", "solidarity"):
        target = targets[key]
        for account in target.get("social", []):
            handle = account["handle"]
            lines.append(
                {
                    "network": account["network"],
                    "handle": handle,
                    "target": key,
                    "text": f"{handle} {hashtags}".strip() if handle.startswith("@") else handle,
                }
            )
    return {"accounts": lines, "hashtags": hashtags}
