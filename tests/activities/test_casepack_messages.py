"""A broken case pack's problems are told in the language active when the
pack is checked (the admin's, during the upload; the command's, in
`loadcase`), each at the same place as in English: a place is a path in the
pack, never translated. The English wording is the one
test_casepacks.py asserts."""

import io
import os

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from PIL import Image

from activities.casepacks.errors import CasePackInvalid
from activities.casepacks.loader import check_pack, load_pack, save_edited_content
from tests.activities.test_casepacks import (
    MATCHING,
    STORY,
    copy_pack,
    edit_yaml,
    set_step,
    zip_bytes,
)
from tests.factories import PACK_2024, PACK_OTHER


def problems(source, language, **kwargs):
    """The problems of a pack checked with `language` active, as (place, message)."""
    with translation.override(language), pytest.raises(CasePackInvalid) as caught:
        check_pack(source, **kwargs)
    return [(error.place, error.message) for error in caught.value.errors]


def broken(tmp_path, change, source=PACK_2024):
    return edit_yaml(copy_pack(tmp_path, source), change)


def picture_pack(tmp_path, content):
    folder = copy_pack(tmp_path, PACK_OTHER)
    (folder / "images" / "portrait.png").write_bytes(content)
    return folder


def bmp_image():
    bmp = io.BytesIO()
    Image.new("RGB", (8, 8)).save(bmp, format="BMP")
    return bmp.getvalue()


def without_name(data):
    del data["case"]["name"]


def rights_without_brackets(data):
    data["activities"][0]["steps"][3]["matches"][1]["rights"] = "art-9"


def unknown_right(data):
    data["activities"][0]["steps"][3]["matches"][0]["rights"][0] = "art-99"


# Each kind of problem: the same place in every language, the message translated.


@pytest.mark.parametrize(
    ("language", "message"),
    [("en", "is required"), ("fr", "est obligatoire"), ("es", "es obligatorio")],
)
def test_a_missing_field(tmp_path, language, message):
    assert problems(broken(tmp_path, without_name), language) == [("case.name", message)]


@pytest.mark.parametrize(
    ("language", "message"),
    [("en", "must be a list"), ("fr", "doit être une liste"), ("ar", "يجب أن تكون القيمة قائمة")],
)
def test_a_wrong_type(tmp_path, language, message):
    folder = broken(tmp_path, rights_without_brackets)
    assert problems(folder, language) == [(f"{MATCHING}.matches[1].rights", message)]


def test_a_text_of_the_wrong_shape(tmp_path):
    def question_as_list(data):
        data["activities"][0]["steps"][1]["questions"][0] = ["What", "did you draw?"]

    ((place, message),) = problems(broken(tmp_path, question_as_list), "fr")
    assert place == "activities[0].steps[1].questions[0]"
    assert message.startswith("doit être un texte\N{NO-BREAK SPACE}: une chaîne de caractères")


def test_an_unknown_step_kind(tmp_path):
    ((place, message),) = problems(broken(tmp_path, set_step(2, kind="dance")), "fr")
    assert place == f"{STORY}.kind"
    assert message.startswith("type d’étape inconnu 'dance'\N{NARROW NO-BREAK SPACE}; types connus")
    assert "take_action" in message  # the kinds are names of the format, not translated


def test_unknown_fields_take_the_plural_their_number_asks(tmp_path):
    def one(data):
        data["case"]["nmae"] = "Maryia"

    def two(data):
        data["case"].update(nmae="Maryia", contry="Belarus")

    assert problems(broken(tmp_path / "one", one), "fr") == [("case", "champ inconnu 'nmae'")]
    assert problems(broken(tmp_path / "two", two), "fr") == [
        ("case", "champs inconnus 'contry', 'nmae'")
    ]
    assert problems(broken(tmp_path / "ar", one), "ar") == [("case", "حقل غير معروف: 'nmae'")]


def test_a_rule_the_schema_cannot_say(tmp_path):
    folder = broken(tmp_path, unknown_right)
    assert problems(folder, "fr") == [
        (f"{MATCHING}.matches[0].rights[0]", "aucune carte de droit n’a la clé 'art-99'")
    ]


@pytest.mark.parametrize(
    ("content", "language", "message"),
    [
        (
            b"not an image",
            "fr",
            "'images/portrait.png' n’est pas une image (PNG, JPEG, GIF ou WebP)",
        ),
        (b"not an image", "es", "'images/portrait.png' no es una imagen (PNG, JPEG, GIF o WebP)"),
        (b"not an image", "ar", "'images/portrait.png': ليس صورة (PNG أو JPEG أو GIF أو WebP)"),
        (
            bmp_image(),
            "fr",
            "'images/portrait.png' est une image BMP\N{NARROW NO-BREAK SPACE}; "
            "utilisez PNG, JPEG, GIF ou WebP",
        ),
    ],
    ids=["not-an-image-fr", "not-an-image-es", "not-an-image-ar", "bmp-fr"],
)
def test_a_bad_image(tmp_path, content, language, message):
    assert problems(picture_pack(tmp_path, content), language) == [("case.picture.file", message)]


def test_a_missing_image_file(tmp_path):
    folder = copy_pack(tmp_path, PACK_OTHER)
    (folder / "images" / "portrait.png").unlink()
    assert problems(folder, "fr") == [
        ("case.picture.file", "'images/portrait.png' n’existe pas dans le dossier")
    ]


def test_an_image_path_leaving_the_pack(tmp_path):
    def outside(data):
        data["case"]["picture"]["file"] = "../secret.png"

    folder = broken(tmp_path, outside, PACK_OTHER)
    assert problems(folder, "fr") == [("case.picture.file", "'../secret.png' sort du dossier")]


def test_a_link_leading_out_of_the_pack(tmp_path):
    outside = tmp_path / "outside.png"
    outside.write_bytes((PACK_OTHER / "images" / "portrait.png").read_bytes())
    folder = copy_pack(tmp_path, PACK_OTHER)
    (folder / "images" / "portrait.png").unlink()
    os.symlink(outside, folder / "images" / "portrait.png")
    assert problems(folder, "es") == [
        ("case.picture.file", "'images/portrait.png' sale del paquete")
    ]


def test_a_zip_entry_leaving_the_pack():
    upload = io.BytesIO(zip_bytes(PACK_OTHER, extra=[("../evil.yaml", "format: 1\n")]))
    assert problems(upload, "fr", name="evil.zip") == [("../evil.yaml", "sort du dossier")]


def test_a_file_that_is_not_a_zip(tmp_path):
    fake = tmp_path / "pack.zip"
    fake.write_bytes(b"PK but not really a zip")
    assert problems(fake, "ar") == [("pack.zip", "ليس ملف zip")]


def test_invalid_yaml_keeps_its_place_and_the_reader_s_own_words(tmp_path):
    folder = copy_pack(tmp_path)
    path = folder / "pack.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("  country: Belarus\n", "  country: Belarus: x\n"),
        encoding="utf-8",
    )
    ((place, message),) = problems(folder, "fr")
    english = problems(folder, "en")
    assert place == english[0][0]  # "pack.yaml line 11, column 19": a place, as it is
    assert message == "YAML non valide\N{NO-BREAK SPACE}: mapping values are not allowed here"


def test_yaml_aliases_are_refused_in_the_active_language(tmp_path):
    folder = copy_pack(tmp_path)
    path = folder / "pack.yaml"
    text = path.read_text(encoding="utf-8").replace("language: en\n", "language: &lang en\n", 1)
    path.write_text(text.replace("  country: Belarus\n", "  country: *lang\n", 1), encoding="utf-8")
    ((_place, message),) = problems(folder, "fr")
    assert "les alias (*name) ne sont pas autorisés" in message


def test_a_too_long_translation(tmp_path):
    folder = copy_pack(tmp_path)
    (folder / "translations" / "fr.yaml").write_text(
        "case:\n  summary: " + "x" * 20_001 + "\n", encoding="utf-8"
    )
    assert problems(folder, "es") == [
        ("translations/fr.yaml: case.summary", "es demasiado largo (20000 caracteres como máximo)")
    ]


# The language is the one active when the pack is checked, not when the code was loaded.


def test_the_same_pack_is_told_in_each_language_in_turn(tmp_path):
    folder = broken(tmp_path, without_name)
    assert problems(folder, "fr") == [("case.name", "est obligatoire")]
    assert problems(folder, "en") == [("case.name", "is required")]
    assert problems(folder, "ar") == [("case.name", "هذا الحقل مطلوب")]


@pytest.mark.django_db
def test_edited_content_is_checked_in_the_active_language():
    case = load_pack(PACK_2024).case
    data = dict(case.current_version.data, case={**case.current_version.data["case"]})
    data["case"]["slug"] = "someone-else"
    with translation.override("fr"), pytest.raises(CasePackInvalid) as caught:
        save_edited_content(case, data, user=None)
    (error,) = caught.value.errors
    assert (error.place, error.message) == (
        "case.slug",
        "ne peut pas être modifié ici\N{NARROW NO-BREAK SPACE}; chargez plutôt un dossier de cas",
    )


@pytest.mark.django_db
def test_loadcase_prints_the_problems_in_the_active_language(tmp_path):
    folder = broken(tmp_path, without_name)
    err = io.StringIO()
    with translation.override("fr"), pytest.raises(CommandError):
        call_command("loadcase", "--check", str(folder), stdout=io.StringIO(), stderr=err)
    assert "  case.name: est obligatoire" in err.getvalue().splitlines()
