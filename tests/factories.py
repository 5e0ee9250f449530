import io
from pathlib import Path

import factory
from django.contrib.auth import get_user_model
from PIL import Image

from activities import services
from activities.casepacks.loader import load_pack

ROOT = Path(__file__).resolve().parent.parent
PACK_2024 = ROOT / "casepacks" / "2024-maryia-kalesnikava"
PACK_OTHER = ROOT / "casepacks" / "tests" / "other-pack"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"facilitator{n}")

    @factory.post_generation
    def password(user, create, extracted, **kwargs):
        user.set_password(extracted or "correct horse battery")
        if create:
            user.save()


def case_version(pack=PACK_2024):
    return load_pack(pack).version


def live_session(*, facilitator=None, pack=PACK_2024, group_size=4, **kwargs):
    version = case_version(pack)
    return services.session_create(
        facilitator=facilitator or UserFactory(),
        case_version=version,
        activity_key=version.content.activities[0].key,
        group_size=group_size,
        origin="http://testserver",
        **kwargs,
    )


def join(session, nickname):
    return services.participant_join(session=session, nickname=nickname)


def action_session(**kwargs):
    """A live session showing its take-action step."""
    session = live_session(**kwargs)
    step = next(step for step in session.activity.steps if step.kind == "take_action")
    return services.session_go_to_step(session=session, step_key=step.key)


def writer(session, nickname="Ana", choice="name"):
    """A participant who has made their safety choice."""
    from letters.services import safety_choose

    participant = join(session, nickname)
    safety_choose(participant=participant, choice=choice)
    return participant


def write(participant, text="Dear Minister, free Maryia.", *, kind="authority", finish=False, **kw):
    """A saved (and optionally finished) letter of `participant`."""
    import uuid

    from letters.services import letter_finish, letter_save

    letter = letter_save(
        participant=participant,
        kind=kind,
        client_key=kw.pop("client_key", None) or uuid.uuid4(),
        revision=kw.pop("revision", 1),
        text=text,
        **kw,
    )
    if finish:
        letter = letter_finish(participant=participant, letter_id=letter.pk)
    return letter


# -- The matching exercise (step kind "matching") ------------------------------

MATCHING_STEP = "matching"


def matching_session(*, groups=2, per_group=2, **kwargs):
    """A session on the 2024 pack's matching step, with `groups` groups of
    `per_group` people: (session, [people in joining order])."""
    session = live_session(group_size=per_group, **kwargs)
    people = [join(session, f"P{number}") for number in range(groups * per_group)]
    session = services.session_go_to_step(session=session, step_key=MATCHING_STEP)
    return session, people


def pair(person, experience, right, step_key=MATCHING_STEP):
    from activities.steps.matching import services as matching

    return matching.pair_add(
        participant=person,
        group=person.group,
        step_key=step_key,
        experience=experience,
        right=right,
    )
def step_of_kind(session, kind):
    """The first step of `kind` in the session's activity."""
    return next(step for step in session.activity.steps if step.kind == kind)


def at_step(session, kind):
    """Go to the first step of `kind`; the session as it is then."""
    return services.session_go_to_step(session=session, step_key=step_of_kind(session, kind).key)


def picture_bytes(*, size=(120, 90), image_format="PNG", colour=(200, 20, 40, 255)):
    """A small picture, as a phone would send it."""
    image = Image.new(
        "RGBA" if image_format == "PNG" else "RGB",
        size,
        colour[: 4 if image_format == "PNG" else 3],
    )
    buffer = io.BytesIO()
    image.save(buffer, format=image_format)
    return buffer.getvalue()
