"""Case packs: reading, validating and loading them (activities.casepacks), the
`loadcase` command, the simplified UDHR and the JSON Schema.

Broken packs are built in tmp_path from copies of the bundled packs, so each
test shows one problem and the place it is reported at."""

import io
import json
import os
import shutil
import struct
import zipfile
import zlib
from pathlib import Path

import jsonschema
import pytest
import yaml
from django.core.management import CommandError, call_command
from django.utils import translation
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from activities import services, udhr
from activities.casepacks.errors import CasePackInvalid
from activities.casepacks.loader import check_pack, load_pack
from activities.casepacks.validation import SCHEMA_PATH
from activities.models import Case, CaseImage, CaseVersion
from tests.factories import PACK_2024, PACK_OTHER, live_session

MATCHING = "activities[0].steps[3]"  # the matching step of the 2024 pack
STORY = "activities[0].steps[2]"  # its story step


# Helpers ---------------------------------------------------------------------


def copy_pack(tmp_path, source=PACK_2024, name=None):
    """A copy of a bundled pack folder that a test may break."""
    return Path(shutil.copytree(source, tmp_path / (name or source.name)))


def edit_yaml(folder, change):
    """Apply `change(data)` to the folder's pack.yaml and write it back."""
    path = folder / "pack.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder


def replace_line(folder, old, new):
    """Replace the one line `old` of pack.yaml by `new`; its 1-based line number."""
    path = folder / "pack.yaml"
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines.count(old) == 1, old
    index = lines.index(old)
    lines[index] = new
    path.write_text("\n".join(lines), encoding="utf-8")
    return index + 1


def zip_bytes(folder, *, top=None, extra=()):
    """The folder zipped as a user would: at the root, or inside one `top` folder."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                name = path.relative_to(folder).as_posix()
                archive.write(path, f"{top}/{name}" if top else name)
        for name, content in extra:
            archive.writestr(name, content)
    return buffer.getvalue()


def png_header(width, height):
    """A PNG that only claims its size: a signature, an IHDR and an IEND."""

    def chunk(kind, payload):
        crc = zlib.crc32(kind + payload)
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


def snapshot():
    """What is stored: row counts and each case's current version."""
    return (
        Case.objects.count(),
        CaseVersion.objects.count(),
        CaseImage.objects.count(),
        sorted(Case.objects.values_list("slug", "current_version__number")),
    )


def media_files(settings):
    root = Path(settings.MEDIA_ROOT)
    return sorted(path.relative_to(root) for path in root.rglob("*") if path.is_file())


def places(errors):
    return [error.place for error in errors]


def error_at(errors, place):
    """The one error reported at `place`."""
    found = [error for error in errors if error.place == place]
    assert len(found) == 1, f"no single error at {place!r}: {[str(e) for e in errors]}"
    return found[0]


def set_step(index, **fields):
    """A change for edit_yaml: set fields of a step of the first activity."""
    return lambda data: data["activities"][0]["steps"][index].update(fields)


def step_of(version, kind):
    return next(s for s in version.content.activities[0].steps if s.kind == kind)


# The bundled 2024 pack ---------------------------------------------------------


@pytest.fixture
def version_2024(db):
    result = load_pack(PACK_2024)
    assert result.created and result.changed
    return result.version


@pytest.mark.django_db
def test_bundled_2024_pack_loads_one_case(version_2024):
    case = Case.objects.get()
    assert case.name == "Maryia Kalesnikava"
    assert case.slug == "maryia-kalesnikava"
    assert case.country == "Belarus"
    assert case.campaign_year == 2024
    assert case.current_version == version_2024
    assert version_2024.number == 1
    assert CaseVersion.objects.count() == 1
    assert CaseImage.objects.count() == 0  # the bundled pack carries no picture


@pytest.mark.django_db
def test_2024_activity_has_five_steps_in_order(version_2024):
    (activity,) = version_2024.content.activities
    assert activity.title.text == "Rights to freedom of expression and peaceful assembly"
    assert activity.minutes == 60
    assert [(step.kind, step.minutes) for step in activity.steps] == [
        ("udhr_intro", 5),
        ("protest_ideas", 20),
        ("story", 10),
        ("matching", 15),
        ("take_action", 15),
    ]
    assert activity.steps[0].optional is True
    assert [step.number for step in activity.steps] == [1, 2, 3, 4, 5]
    assert activity.steps[0].t("prompt").text == "Which of these rights have you used today?"


@pytest.mark.django_db
def test_2024_matching_step_cards_and_matches(version_2024):
    matching = step_of(version_2024, "matching")
    rights, experiences = matching.data["rights"], matching.data["experiences"]
    assert [card["article"] for card in rights] == [1, 9, 3, 19, 25, 10, 5, 20]
    assert len(experiences) == 9
    matched = {match["experience"]: match["rights"] for match in matching.data["matches"]}
    right_keys = {card["key"] for card in rights}
    for card in experiences:
        assert matched.get(card["key"]), f"{card['key']} has no suggested match"
        assert set(matched[card["key"]]) <= right_keys
    assert matched["no-fair-trial"] == ["art-10"]
    assert matching.t("closing_question").text == "What do you think should happen to Maryia now?"


@pytest.mark.django_db
def test_2024_targets(version_2024):
    content = version_2024.content
    assert content.authority.t("salutation").text == "Dear Minister"
    assert len(content.authority.ts("prompts")) == 4
    assert content.authority.data["email"] == "mail@mfa.gov.by"
    assert content.solidarity.data["languages"] == ["ru", "be", "de", "en"]
    assert "#FreeKalesnikava" in content.hashtags
    assert content.hashtags == ["#FreeKalesnikava", "#W4R24", "#ProtectTheProtest"]


@pytest.mark.django_db
def test_2024_story_handout_and_background_pages(version_2024):
    content = version_2024.content
    story = [paragraph.text for paragraph in content.case.ts("story")]
    assert len(story) == 5
    assert story[0].startswith("Maryia Kalesnikava has a dream for her country")
    assert content.background("right-to-peaceful-protest").t("title").text == (
        "The right to peaceful protest"
    )
    assert content.background("right-to-protest-in-belarus").t("title").text == (
        "The right to protest in Belarus"
    )
    assert content.background("no-such-page") is None
    assert step_of(version_2024, "story").data["background"] == [
        "right-to-protest-in-belarus",
        "right-to-peaceful-protest",
    ]


@pytest.mark.django_db
def test_2024_texts_are_the_guides_words(version_2024):
    """Sentences copied word for word from the Write for Rights 2024 activity guide."""
    protest = step_of(version_2024, "protest_ideas")
    story_step = step_of(version_2024, "story")
    story = " ".join(p.text for p in version_2024.content.case.ts("story"))
    assert (
        "Imagine you are living in a country where the government is constantly violating "
        "the human rights of its inhabitants. A close friend of yours, who has not committed "
        "any crime, is in jail without a fair trial."
    ) in protest.read_aloud[0].text
    assert story_step.read_aloud[0].text.startswith(
        "“Maryia Kalesnikava likes to say that ‘love is stronger than fear’."
    )
    assert story_step.read_aloud[1].text.startswith("“Maryia was sentenced to 11 years in prison.")
    assert "She was dragged into a van by masked men." in story
    assert "More than 1,300 people are imprisoned in Belarus on politically motivated charges." in (
        story
    )
    experiences = [card.text.text for card in step_of(version_2024, "matching").experiences]
    assert "Maryia did not receive a fair and public trial." in experiences


# Versions ----------------------------------------------------------------------


@pytest.mark.django_db
def test_loading_the_same_pack_twice_records_no_new_version(version_2024):
    again = load_pack(PACK_2024)
    assert again.changed is False
    assert again.created is False
    assert again.version == version_2024
    assert CaseVersion.objects.count() == 1
    assert Case.objects.count() == 1


@pytest.mark.django_db
def test_a_changed_pack_records_a_version_and_sessions_keep_theirs(tmp_path):
    folder = copy_pack(tmp_path)
    session = live_session(pack=folder)
    session = services.session_go_to_step(session=session, step_key="protest")
    version_1 = session.case_version
    assert session.step.title.text == "Understanding the right to protest"

    edit_yaml(folder, set_step(1, title="Protest, revised"))
    result = load_pack(folder)

    assert result.changed and not result.created
    assert result.version.number == 2
    case = Case.objects.get()
    assert case.current_version == result.version
    assert list(case.versions.values_list("number", flat=True)) == [2, 1]
    assert result.version.content.activities[0].step("protest").title.text == "Protest, revised"

    session.refresh_from_db()
    assert session.case_version == version_1
    assert session.step.title.text == "Understanding the right to protest"
    assert session.activity.step("protest").title.text == "Understanding the right to protest"


@pytest.mark.django_db
def test_a_pack_json_loads_like_its_yaml(tmp_path):
    folder = shutil.copytree(PACK_2024, tmp_path / "json-pack")  # translations/ with it
    data = yaml.safe_load((folder / "pack.yaml").read_text(encoding="utf-8"))
    (folder / "pack.yaml").unlink()
    (folder / "pack.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = load_pack(folder)
    assert result.version.data == check_pack(PACK_2024)[0].data
    assert load_pack(PACK_2024).changed is False  # same content, same checksum


# The second pack: a picture and two languages ------------------------------------


@pytest.mark.django_db
def test_other_pack_loads_with_its_picture():
    version = load_pack(PACK_OTHER).version
    assert Case.objects.get().name == "The River Defenders (test case)"
    image = CaseImage.objects.get()
    assert image.version == version
    assert image.path == "images/portrait.png"
    assert (image.width, image.height) == (64, 64)
    assert image.image.name.endswith(".png")
    with image.image.open("rb") as stored, Image.open(stored) as picture:
        assert picture.format == "PNG"
        assert picture.size == (64, 64)
    picture = version.content.picture
    assert picture["image"] == image
    assert picture["credit"].text == "W4R Live test fixture"
    assert [s.kind for s in version.content.activities[0].steps] == [
        "matching", "story", "take_action",
    ]


@pytest.mark.django_db
def test_other_pack_texts_follow_the_language():
    content = load_pack(PACK_OTHER).version.content
    with translation.override("fr"):
        title = content.activities[0].title
        assert (title.text, title.language) == ("Protéger la rivière (test)", "fr")
        plain = content.activities[0].steps[0].title  # a plain string: the pack's language
        assert (plain.text, plain.language) == ("Matching rights (test)", "en")
        assert content.authority.t("salutation").text == "Madame, Monsieur le Ministre"
    with translation.override("ar"):  # no Arabic: the pack's own language
        title = content.activities[0].title
        assert (title.text, title.language) == ("Protecting the river (test)", "en")
    with translation.override("en"):
        assert content.picture["alt"].text.startswith("A drawn figure")


@pytest.mark.django_db
def test_images_are_stripped_of_metadata(tmp_path):
    folder = copy_pack(tmp_path, PACK_OTHER)
    metadata = PngInfo()
    metadata.add_text("Author", "a secret name")
    with Image.open(PACK_OTHER / "images" / "portrait.png") as original:
        original.save(folder / "images" / "portrait.png", pnginfo=metadata)
    assert b"a secret name" in (folder / "images" / "portrait.png").read_bytes()
    load_pack(folder)
    with CaseImage.objects.get().image.open("rb") as stored:
        assert b"a secret name" not in stored.read()


@pytest.mark.django_db
def test_jpeg_orientation_is_kept_when_metadata_is_dropped(tmp_path):
    """A phone photo stores "rotate 90°" in EXIF; once EXIF is dropped the pixels
    themselves must be upright, or the portrait shows on its side."""
    folder = copy_pack(tmp_path, PACK_OTHER)
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    Image.new("RGB", (40, 20), "red").save(folder / "images" / "photo.jpg", exif=exif.tobytes())
    edit_yaml(folder, lambda d: d["case"]["picture"].update(file="images/photo.jpg"))
    load_pack(folder)
    image = CaseImage.objects.get()
    assert (image.width, image.height) == (20, 40)
    with image.image.open("rb") as stored, Image.open(stored) as picture:
        assert picture.size == (20, 40)


# Bad input: every problem reported with its place, nothing loaded -----------------


@pytest.fixture
def loaded(db):
    """Both bundled packs loaded, so a refused pack can be seen to change nothing."""
    load_pack(PACK_2024)
    load_pack(PACK_OTHER)


@pytest.fixture
def refused(loaded, settings):
    """refused(source) -> the errors; asserts that nothing at all was stored."""

    def check(source, **kwargs):
        before, files = snapshot(), media_files(settings)
        with pytest.raises(CasePackInvalid) as caught:
            load_pack(source, **kwargs)
        assert snapshot() == before
        assert media_files(settings) == files
        assert caught.value.errors, "CasePackInvalid without errors"
        return caught.value.errors

    return check


def broken(tmp_path, change, source=PACK_2024):
    return edit_yaml(copy_pack(tmp_path, source), change)


def test_invalid_yaml_gives_its_line(tmp_path, refused):
    folder = copy_pack(tmp_path)
    bad = "  country: Belarus: Minsk"
    line = replace_line(folder, "  country: Belarus", bad)
    (error,) = refused(folder)
    column = bad.index(": Minsk") + 1  # the second colon, counted from 1
    assert error.place == f"pack.yaml line {line}, column {column}"
    assert error.message.startswith("invalid YAML")


def test_invalid_json_gives_its_line(tmp_path, refused):
    folder = tmp_path / "json-pack"
    folder.mkdir()
    (folder / "pack.json").write_text('{\n  "format": 1,\n  "language": "en",\n}\n')
    (error,) = refused(folder)
    assert error.place == "pack.json line 4, column 1"
    assert error.message.startswith("invalid JSON")


def test_yaml_aliases_are_refused(tmp_path, refused):
    folder = copy_pack(tmp_path)
    replace_line(folder, "language: en", "language: &lang en")
    alias = "  country: *lang"
    line = replace_line(folder, "  country: Belarus", alias)
    (error,) = refused(folder)
    assert error.place == f"pack.yaml line {line}, column {alias.index('*') + 1}"
    assert "aliases" in error.message


def test_missing_required_field(tmp_path, refused):
    errors = refused(broken(tmp_path, lambda d: d["case"].pop("name")))
    assert error_at(errors, "case.name").message == "is required"
    assert len(errors) == 1


def test_wrong_type(tmp_path, refused):
    def question_as_list(data):
        data["activities"][0]["steps"][1]["questions"][0] = ["What", "did you draw?"]

    errors = refused(broken(tmp_path, question_as_list))
    assert "must be text" in error_at(errors, "activities[0].steps[1].questions[0]").message
    assert len(errors) == 1


def test_unknown_step_kind(tmp_path, refused):
    (error,) = refused(broken(tmp_path, set_step(2, kind="dance")))
    assert error.place == f"{STORY}.kind"
    assert "unknown step kind 'dance'" in error.message
    assert "take_action" in error.message  # the known kinds are listed


@pytest.mark.parametrize(
    ("change", "place", "field"),
    [
        (lambda d: d["case"].update(nmae="Maryia"), "case", "nmae"),
        (set_step(0, task="Draw"), "activities[0].steps[0]", "task"),
        (lambda d: d.update(colour="red"), "", "colour"),
    ],
    ids=["case", "step-of-another-kind", "top-level"],
)
def test_unknown_field(tmp_path, refused, change, place, field):
    (error,) = refused(broken(tmp_path, change))
    assert error.place == place
    assert error.message == f"unknown field {field!r}"


def test_match_naming_a_card_that_does_not_exist(tmp_path, refused):
    def bad_match(data):
        match = data["activities"][0]["steps"][3]["matches"][0]
        match["rights"][0] = "art-99"

    (error,) = refused(broken(tmp_path, bad_match))
    assert error.place == f"{MATCHING}.matches[0].rights[0]"
    assert error.message == "no rights card with key 'art-99'"


def test_match_naming_an_experience_that_does_not_exist(tmp_path, refused):
    def bad_match(data):
        data["activities"][0]["steps"][3]["matches"][2]["experience"] = "flew-away"

    errors = refused(broken(tmp_path, bad_match))
    assert error_at(errors, f"{MATCHING}.matches[2].experience").message == (
        "no experience card with key 'flew-away'"
    )


def test_duplicate_step_keys(tmp_path, refused):
    (error,) = refused(broken(tmp_path, set_step(1, key="udhr")))
    assert error.place == "activities[0].steps[1].key"
    assert "'udhr' is used twice" in error.message


def test_duplicate_background_keys(tmp_path, refused):
    def duplicate(data):
        data["case"]["background"][1]["key"] = "right-to-peaceful-protest"

    errors = refused(broken(tmp_path, duplicate))
    assert "used twice" in error_at(errors, "case.background[1].key").message


def test_duplicate_card_keys_are_reported_at_the_card(tmp_path, refused):
    """The place must be a path in the file: the second experience card's key."""

    def duplicate(data):
        experiences = data["activities"][0]["steps"][3]["experiences"]
        experiences[1]["key"] = experiences[0]["key"]

    errors = refused(broken(tmp_path, duplicate))
    error = error_at(errors, f"{MATCHING}.experiences[1].key")
    assert error.message == "card key 'disappeared' is used twice"


def test_a_key_where_a_list_of_keys_is_expected_is_one_problem(tmp_path, refused):
    """`rights: art-9` (brackets forgotten) is reported once, not letter by letter."""

    def without_brackets(data):
        data["activities"][0]["steps"][3]["matches"][1]["rights"] = "art-9"

    errors = refused(broken(tmp_path, without_brackets))
    assert [str(error) for error in errors] == [f"{MATCHING}.matches[1].rights: must be a list"]


def test_story_background_that_does_not_exist(tmp_path, refused):
    def unknown_page(data):
        data["activities"][0]["steps"][2]["background"][1] = "right-to-dance"

    (error,) = refused(broken(tmp_path, unknown_page))
    assert error.place == f"{STORY}.background[1]"
    assert error.message == "no background page 'right-to-dance'"


def test_several_problems_are_all_reported(tmp_path, refused):
    def many(data):
        data["format"] = 2
        del data["case"]["name"]
        data["activities"][0]["steps"][2]["kind"] = "dance"
        data["activities"][0]["steps"][3]["matches"][0]["rights"][0] = "art-99"
        data["targets"]["hashtags"][0] = "no hash"

    errors = refused(broken(tmp_path, many))
    assert len(errors) >= 3
    assert len(set(places(errors))) == len(errors)
    assert set(places(errors)) == {
        "format",
        "case.name",
        f"{STORY}.kind",
        f"{MATCHING}.matches[0].rights[0]",
        "targets.hashtags[0]",
    }


# Bad images


def picture_pack(tmp_path, content, name="images/portrait.png"):
    """A copy of the other pack whose picture file holds `content`."""
    folder = copy_pack(tmp_path, PACK_OTHER)
    (folder / name).write_bytes(content)
    return folder


def test_a_file_that_is_not_an_image(tmp_path, refused):
    (error,) = refused(picture_pack(tmp_path, b"not an image"))
    assert error.place == "case.picture.file"
    assert error.message == "'images/portrait.png' is not an image (PNG, JPEG, GIF or WebP)"


def test_an_image_in_another_format(tmp_path, refused):
    bmp = io.BytesIO()
    Image.new("RGB", (8, 8)).save(bmp, format="BMP")
    (error,) = refused(picture_pack(tmp_path, bmp.getvalue()))
    assert error.place == "case.picture.file"
    assert "is a BMP image" in error.message


def test_an_image_too_large(tmp_path, refused):
    wide = io.BytesIO()
    Image.new("RGB", (4001, 10)).save(wide, format="PNG")
    (error,) = refused(picture_pack(tmp_path, wide.getvalue()))
    assert error.place == "case.picture.file"
    assert "4001×10 pixels" in error.message


def test_a_decompression_bomb_image(tmp_path, refused):
    """A tiny file claiming 100,000 × 100,000 pixels is refused before decoding."""
    (error,) = refused(picture_pack(tmp_path, png_header(100_000, 100_000)))
    assert error.place == "case.picture.file"
    assert error.message.startswith("'images/portrait.png' is ")


def test_an_image_file_over_5_mb(tmp_path, refused):
    (error,) = refused(picture_pack(tmp_path, b"\0" * (5 * 2**20 + 1)))
    assert error.place == "case.picture.file"
    assert "larger than 5 MB" in error.message


@pytest.mark.parametrize("path", ["../secret.png", "/etc/passwd", "images/../../secret.png",
                                  "images\\portrait.png"])
def test_an_image_path_leaving_the_pack(tmp_path, refused, path):
    (tmp_path / "secret.png").write_bytes((PACK_OTHER / "images" / "portrait.png").read_bytes())
    folder = broken(tmp_path, lambda d: d["case"]["picture"].update(file=path), PACK_OTHER)
    (error,) = refused(folder)
    assert error.place == "case.picture.file"
    assert error.message == f"{path!r} leaves the pack"


def test_a_symlink_leading_out_of_the_pack(tmp_path, refused):
    outside = tmp_path / "outside.png"
    outside.write_bytes((PACK_OTHER / "images" / "portrait.png").read_bytes())
    folder = copy_pack(tmp_path, PACK_OTHER)
    (folder / "images" / "portrait.png").unlink()
    os.symlink(outside, folder / "images" / "portrait.png")
    (error,) = refused(folder)
    assert error.place == "case.picture.file"
    assert error.message == "'images/portrait.png' leaves the pack"


def test_a_pack_yaml_linking_out_of_the_pack(tmp_path, refused):
    """The pack file itself is no exception to "links leading out are refused"."""
    outside = copy_pack(tmp_path, PACK_OTHER, name="elsewhere")
    folder = copy_pack(tmp_path, PACK_OTHER)
    (folder / "pack.yaml").unlink()
    os.symlink(outside / "pack.yaml", folder / "pack.yaml")
    (error,) = refused(folder)
    assert error.place == "pack.yaml"
    assert error.message == "leaves the pack"


def test_a_missing_image_file(tmp_path, refused):
    folder = copy_pack(tmp_path, PACK_OTHER)
    (folder / "images" / "portrait.png").unlink()
    (error,) = refused(folder)
    assert error.place == "case.picture.file"
    assert error.message == "'images/portrait.png' no such file in the pack"


# Zips


@pytest.mark.django_db
@pytest.mark.parametrize("top", [None, "other-pack"], ids=["at-the-root", "in-one-folder"])
def test_a_zip_pack_loads(tmp_path, top):
    archive = tmp_path / "other-pack.zip"
    archive.write_bytes(zip_bytes(PACK_OTHER, top=top))
    result = load_pack(archive)
    assert result.created
    assert result.case.slug == "test-river-defenders"
    assert result.version.source == "other-pack.zip"
    assert CaseImage.objects.get().path == "images/portrait.png"
    # The same pack as a folder: same content, no new version.
    assert load_pack(PACK_OTHER).changed is False


@pytest.mark.django_db
def test_an_uploaded_zip_loads():
    upload = io.BytesIO(zip_bytes(PACK_2024, top="2024-maryia-kalesnikava"))
    result = load_pack(upload, name="maryia.zip")
    assert result.case.name == "Maryia Kalesnikava"
    assert result.version.source == "maryia.zip"


@pytest.mark.django_db
def test_a_zip_made_by_macos_compress_loads():
    """Finder's "Compress" adds a __MACOSX folder beside the pack folder; the
    docs promise that such a zip loads."""
    upload = io.BytesIO(
        zip_bytes(
            PACK_OTHER,
            top="other-pack",
            extra=[("__MACOSX/other-pack/._pack.yaml", b"\0\5\26\7"), ("other-pack/.DS_Store", "")],
        )
    )
    result = load_pack(upload, name="other-pack.zip")
    assert result.case.slug == "test-river-defenders"


def test_a_zip_entry_leaving_the_pack(refused):
    upload = io.BytesIO(zip_bytes(PACK_OTHER, extra=[("../evil.yaml", "format: 1\n")]))
    (error,) = refused(upload, name="evil.zip")
    assert error.place == "../evil.yaml"
    assert error.message == "leaves the pack"


def test_a_zip_bomb_is_refused_by_its_headers(refused, monkeypatch):
    upload = io.BytesIO(zip_bytes(PACK_OTHER, extra=[("images/zeros.bin", bytes(50 * 2**20))]))
    assert len(upload.getvalue()) < 1024 * 1024
    opened = []
    real_open = zipfile.ZipFile.open

    def spy(self, name, *args, **kwargs):
        opened.append(getattr(name, "filename", name))
        return real_open(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", spy)
    (error,) = refused(upload, name="bomb.zip")
    assert error.place == "images/zeros.bin"
    assert "zip bomb" in error.message
    assert opened == []  # refused from the central directory, nothing unpacked


def test_a_file_that_is_not_a_zip(tmp_path, refused):
    fake = tmp_path / "pack.zip"
    fake.write_bytes(b"PK but not really a zip")
    (error,) = refused(fake)
    assert (error.place, error.message) == ("pack.zip", "is not a zip file")


def test_a_zip_without_pack_yaml(refused):
    upload = io.BytesIO(zip_bytes(PACK_OTHER / "images"))
    (error,) = refused(upload, name="images.zip")
    assert error.place == "images.zip"
    assert "no pack.yaml or pack.json" in error.message


def test_a_zip_with_two_top_folders(refused):
    upload = io.BytesIO(
        zip_bytes(PACK_OTHER, top="other-pack", extra=[("notes/readme.txt", "hello")])
    )
    (error,) = refused(upload, name="two.zip")
    assert "no pack.yaml or pack.json" in error.message


def test_a_path_that_is_neither_folder_nor_zip(tmp_path, refused):
    (error,) = refused(tmp_path / "nowhere")
    assert error.message == "no such folder or zip file"


# The loadcase command -----------------------------------------------------------


def run_loadcase(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("loadcase", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_loadcase_loads_then_reports_unchanged():
    out, err = run_loadcase(PACK_2024)
    assert out.strip() == f"{PACK_2024}: Maryia Kalesnikava (2024) loaded"
    assert err == ""
    out, _ = run_loadcase(PACK_2024)
    assert out.strip() == f"{PACK_2024}: Maryia Kalesnikava (2024) unchanged (version 1)"
    assert CaseVersion.objects.count() == 1


@pytest.mark.django_db
def test_loadcase_reports_a_new_version(tmp_path):
    folder = copy_pack(tmp_path)
    run_loadcase(folder)
    edit_yaml(folder, lambda d: d["case"].update(summary="A shorter summary."))
    out, _ = run_loadcase(folder)
    assert out.strip() == f"{folder}: Maryia Kalesnikava (2024) updated to version 2"


@pytest.mark.django_db
def test_loadcase_check_loads_nothing():
    out, err = run_loadcase("--check", PACK_2024, PACK_OTHER)
    assert out.splitlines() == [
        f"{PACK_2024}: valid (Maryia Kalesnikava)",
        f"{PACK_OTHER}: valid (The River Defenders (test case))",
    ]
    assert err == ""
    assert snapshot() == (0, 0, 0, [])


@pytest.mark.django_db
@pytest.mark.parametrize("check", [False, True], ids=["load", "check"])
def test_loadcase_broken_pack_lists_every_problem(tmp_path, check):
    def two_problems(data):
        del data["case"]["name"]
        data["activities"][0]["steps"][2]["kind"] = "dance"

    folder = broken(tmp_path, two_problems)
    out, err = io.StringIO(), io.StringIO()
    args = ["--check"] if check else []
    with pytest.raises(CommandError, match="some case packs were not loaded"):
        call_command("loadcase", *args, str(folder), str(PACK_OTHER), stdout=out, stderr=err)
    assert err.getvalue().splitlines() == [
        f"{folder}: 2 problems, nothing loaded",
        f"  {STORY}.kind: unknown step kind 'dance'; known kinds: udhr_intro, protest_ideas, "
        "story, matching, take_action",
        "  case.name: is required",
    ]
    assert not Case.objects.filter(slug="maryia-kalesnikava").exists()
    # The valid pack given with it is handled all the same.
    assert Case.objects.filter(slug="test-river-defenders").count() == (0 if check else 1)


# The simplified UDHR and the schema -----------------------------------------------


def test_udhr_has_30_articles_in_six_families():
    assert sorted(udhr.ARTICLES) == list(range(1, 31))
    assert len(udhr.FAMILIES) == 6
    in_families = [number for family in udhr.FAMILIES for number in family.articles]
    assert sorted(in_families) == list(range(1, 31))  # each article in exactly one family
    assert udhr.article(19).family.key == "political"
    assert str(udhr.article(10).title) == "Right to a fair trial"
    assert udhr.article(10).family.key == "legal"


def test_schema_is_a_valid_draft_2020_12_schema():
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize("pack", [PACK_2024, PACK_OTHER], ids=["2024", "other"])
def test_bundled_packs_follow_the_schema_alone(pack):
    """The check docs/case-packs.md §12 offers with PyYAML and jsonschema only."""
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text()))
    data = yaml.safe_load((pack / "pack.yaml").read_text(encoding="utf-8"))
    assert [error.message for error in validator.iter_errors(data)] == []
