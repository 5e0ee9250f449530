"""A pack's texts in other languages: translations/<language>.yaml files
(activities/casepacks/translations.py), read with the pack (reader.py),
folded into its texts and checked by validation, and the
`casepack_skeleton` command that starts one."""

import io
import shutil
import zipfile
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.utils import translation

from activities.casepacks import translations
from activities.casepacks.errors import CasePackInvalid
from activities.casepacks.loader import check_pack, load_pack
from activities.casepacks.reader import MAX_PACK_FILE_BYTES
from tests.factories import PACK_2024, PACK_OTHER

SUMMARY_FR = "Maryia Kalesnikava est une musicienne biélorusse emprisonnée."
TITLE_FR = "Associer les droits"


def copy_pack(tmp_path, source=PACK_2024):
    """A copy of a bundled pack without the translations it may carry."""
    folder = Path(shutil.copytree(source, tmp_path / source.name))
    shutil.rmtree(folder / "translations", ignore_errors=True)
    return folder


def write_translation(folder, name, data):
    path = folder / "translations" / name
    path.parent.mkdir(exist_ok=True)
    text = data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True)
    path.write_text(text, encoding="utf-8")
    return path


def matching_index():
    data = yaml.safe_load((PACK_2024 / "pack.yaml").read_text(encoding="utf-8"))
    steps = data["activities"][0]["steps"]
    return next(index for index, step in enumerate(steps) if step["kind"] == "matching"), steps


def a_french_file():
    """A partial French translation: the case's summary and the matching step's title."""
    index, steps = matching_index()
    return {
        "case": {"summary": SUMMARY_FR},
        "activities": [
            {"steps": [None] * index + [{"title": TITLE_FR}] + [None] * (len(steps) - index - 1)}
        ],
    }


def problems(source, **kwargs):
    with pytest.raises(CasePackInvalid) as caught:
        check_pack(source, **kwargs)
    return caught.value.errors


def one_problem(source, **kwargs):
    errors = problems(source, **kwargs)
    assert len(errors) == 1, [str(error) for error in errors]
    return errors[0]


# -- A good file --------------------------------------------------------------------


@pytest.mark.django_db
def test_a_translation_file_is_folded_into_the_stored_texts(tmp_path):
    folder = copy_pack(tmp_path)
    write_translation(folder, "fr.yaml", a_french_file())
    version = load_pack(folder).version
    summary = version.data["case"]["summary"]
    assert summary["fr"] == SUMMARY_FR
    assert summary["en"].startswith("Maryia")  # the pack's own text, kept beside it
    index, _steps = matching_index()
    assert version.data["activities"][0]["steps"][index]["title"] == {
        "en": "Matching rights",
        "fr": TITLE_FR,
    }
    # A text the file leaves out stays a plain string.
    assert isinstance(version.data["activities"][0]["steps"][0]["title"], str)
    content = version.content
    with translation.override("fr"):
        assert content.case.summary.text == SUMMARY_FR
        assert content.case.summary.language == "fr"
        assert content.activities[0].steps[index].title.text == TITLE_FR
        assert content.activities[0].steps[0].title.language == "en"
    with translation.override("es"):
        assert content.case.summary.language == "en"


@pytest.mark.django_db
def test_a_changed_translation_makes_a_new_version(tmp_path):
    folder = copy_pack(tmp_path)
    first = load_pack(folder)
    write_translation(folder, "fr.yaml", a_french_file())
    second = load_pack(folder)
    assert second.changed and second.version.number == first.version.number + 1
    assert load_pack(folder).changed is False


def test_a_file_may_translate_a_text_the_pack_already_maps(tmp_path):
    """other-pack writes some texts inline as {en, fr}; a file adds es to them."""
    folder = copy_pack(tmp_path, PACK_OTHER)
    write_translation(folder, "es.yaml", {"case": {"country": "Tierra de prueba"}})
    raw, _images = check_pack(folder)
    assert raw.data["case"]["country"] == {
        "en": "Testland",
        "fr": "Testlande",
        "es": "Tierra de prueba",
    }


def test_yml_and_json_names_and_region_codes_are_read(tmp_path):
    folder = copy_pack(tmp_path)
    write_translation(folder, "pt-BR.yml", {"case": {"summary": "Resumo"}})
    write_translation(folder, "de.json", '{"case": {"summary": "Zusammenfassung"}}')
    raw, _images = check_pack(folder)
    assert set(raw.translations) == {"pt-BR", "de"}
    assert raw.data["case"]["summary"]["pt-BR"] == "Resumo"
    assert raw.data["case"]["summary"]["de"] == "Zusammenfassung"


# -- Files that do not fit the pack ------------------------------------------------------


def test_a_key_the_pack_lacks(tmp_path):
    folder = copy_pack(tmp_path)
    write_translation(folder, "fr.yaml", {"case": {"summary": SUMMARY_FR, "motto": "Liberté"}})
    error = one_problem(folder)
    assert error.place == "translations/fr.yaml: case.motto"
    assert error.message == "no text of the pack to translate here"


def test_a_field_that_is_not_a_text(tmp_path):
    """case.name is a person's name, never translated (docs/case-packs.md §4)."""
    folder = copy_pack(tmp_path)
    write_translation(folder, "fr.yaml", {"case": {"name": "Marie Kalesnikava"}})
    error = one_problem(folder)
    assert error.place == "translations/fr.yaml: case.name"


def test_a_list_of_the_wrong_length(tmp_path):
    folder = copy_pack(tmp_path)
    write_translation(folder, "fr.yaml", {"activities": [{"steps": [{"title": "Un"}]}]})
    error = one_problem(folder)
    assert error.place == "translations/fr.yaml: activities[0].steps"
    assert error.message == "no text of the pack to translate here"


@pytest.mark.parametrize("value", [42, ["a", "b"], {"fr": "Résumé"}, "   ", True])
def test_a_non_text_at_a_text_place(tmp_path, value):
    folder = copy_pack(tmp_path)
    write_translation(folder, "fr.yaml", {"case": {"summary": value}})
    error = one_problem(folder)
    assert error.place == "translations/fr.yaml: case.summary"
    assert error.message == "a translation must be a text"


def test_a_text_too_long(tmp_path):
    folder = copy_pack(tmp_path)
    write_translation(folder, "fr.yaml", {"case": {"summary": "x" * 20001}})
    error = one_problem(folder)
    assert error.place == "translations/fr.yaml: case.summary"
    assert "too long" in error.message


def test_a_file_that_is_not_a_mapping(tmp_path):
    folder = copy_pack(tmp_path)
    write_translation(folder, "fr.yaml", "- just\n- a list\n")
    error = one_problem(folder)
    assert (error.place, error.message) == (
        "translations/fr.yaml",
        "must be a mapping of fields, like pack.yaml",
    )


def test_every_problem_of_every_file_is_reported(tmp_path):
    folder = copy_pack(tmp_path)
    write_translation(folder, "fr.yaml", {"case": {"summary": 1, "motto": "x"}})
    write_translation(folder, "es.yaml", {"case": {"name": "y"}})
    assert sorted(error.place for error in problems(folder)) == [
        "translations/es.yaml: case.name",
        "translations/fr.yaml: case.motto",
        "translations/fr.yaml: case.summary",
    ]


# -- File names and reading ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["french.yaml", "FR.yaml", "fr_CA.yaml", "fr.txt", "fr.yaml.bak"])
def test_a_file_not_named_after_a_language(tmp_path, name):
    folder = copy_pack(tmp_path)
    write_translation(folder, name, {"case": {"summary": SUMMARY_FR}})
    error = one_problem(folder)
    assert error.place == f"translations/{name}"
    assert "name it after a language code" in error.message


def test_a_file_in_the_packs_own_language(tmp_path):
    folder = copy_pack(tmp_path)
    write_translation(folder, "en.yaml", {"case": {"summary": "Another summary"}})
    error = one_problem(folder)
    assert error.place == "translations/en.yaml"
    assert "the pack's own language (en)" in error.message


def test_two_files_for_one_language(tmp_path):
    folder = copy_pack(tmp_path)
    write_translation(folder, "fr.yaml", {"case": {"summary": SUMMARY_FR}})
    write_translation(folder, "fr.yml", {"case": {"summary": SUMMARY_FR}})
    error = one_problem(folder)
    assert error.place == "translations/fr.yml"


def test_invalid_yaml_in_a_translation_is_placed_in_its_file(tmp_path):
    folder = copy_pack(tmp_path)
    write_translation(folder, "fr.yaml", "case:\n  summary: [unclosed\n")
    error = one_problem(folder)
    assert error.place.startswith("translations/fr.yaml line ")
    assert error.message.startswith("invalid YAML")


def test_a_translation_file_too_large(tmp_path):
    folder = copy_pack(tmp_path)
    write_translation(folder, "fr.yaml", "# " + "x" * MAX_PACK_FILE_BYTES)
    error = one_problem(folder)
    assert error.place == "translations/fr.yaml"
    assert "larger than" in error.message


def test_a_link_out_of_the_pack_is_refused(tmp_path):
    folder = copy_pack(tmp_path)
    outside = tmp_path / "outside.yaml"
    outside.write_text("case: {summary: secret}\n", encoding="utf-8")
    (folder / "translations").mkdir()
    (folder / "translations" / "fr.yaml").symlink_to(outside)
    error = one_problem(folder)
    assert (error.place, error.message) == ("translations/fr.yaml", "leaves the pack")


def test_translations_wait_for_a_valid_pack(tmp_path):
    """A pack.yaml with problems has no shape to lay a translation over: its
    own problems are reported, the files' once it is fixed."""
    folder = copy_pack(tmp_path)
    text = (folder / "pack.yaml").read_text(encoding="utf-8")
    (folder / "pack.yaml").write_text(text.replace("format: 1", "format: 2"), encoding="utf-8")
    write_translation(folder, "fr.yaml", {"case": {"motto": "x"}})
    assert [error.place for error in problems(folder)] == ["format"]


# -- Zips ---------------------------------------------------------------------------------------


def zipped(folder, top=None, extra=()):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                name = path.relative_to(folder).as_posix()
                archive.write(path, f"{top}/{name}" if top else name)
        for name, content in extra:
            archive.writestr(name, content)
    buffer.seek(0)
    return buffer


@pytest.mark.django_db
@pytest.mark.parametrize("top", [None, "maryia"], ids=["at-the-root", "in-one-folder"])
def test_a_zip_with_a_translation_loads(tmp_path, top):
    folder = copy_pack(tmp_path)
    write_translation(folder, "fr.yaml", a_french_file())
    prefix = f"{top}/" if top else ""
    upload = zipped(folder, top=top, extra=[(f"{prefix}translations/.DS_Store", "")])
    version = load_pack(upload, name="maryia.zip").version
    assert version.data["case"]["summary"]["fr"] == SUMMARY_FR


def test_a_zip_with_a_misnamed_translation(tmp_path):
    folder = copy_pack(tmp_path)
    upload = zipped(folder, extra=[("translations/francais.yaml", "case: {summary: x}\n")])
    error = one_problem(upload, name="maryia.zip")
    assert error.place == "translations/francais.yaml"


# -- The skeleton ------------------------------------------------------------------------------


def test_the_skeleton_mirrors_every_text_of_the_pack():
    raw, _images = check_pack(PACK_2024)
    texts = translations.texts_of(raw.data)
    skeleton = translations.skeleton(raw.data)
    # Laid over the pack as French, it gives every text a French version.
    errors = translations.apply(raw.data, "fr", skeleton, source="translations/fr.yaml")
    assert errors == []
    assert all(
        isinstance(value, dict) and "fr" in value
        for _path, value in translations.texts_of(raw.data)
    )
    assert len(translations.texts_of(raw.data)) == len(texts)
    assert "name" not in skeleton["case"]  # names are not translated


def test_the_skeleton_keeps_texts_already_in_the_language():
    raw, _images = check_pack(PACK_OTHER)
    skeleton = translations.skeleton(raw.data, "fr")
    assert skeleton["case"]["country"] == "Testlande"
    assert translations.skeleton(raw.data)["case"]["country"] == "Testland"


def test_casepack_skeleton_writes_a_file_that_checks(tmp_path):
    folder = copy_pack(tmp_path)
    call_command("casepack_skeleton", str(folder), "fr", stdout=io.StringIO())
    written = folder / "translations" / "fr.yaml"
    text = written.read_text(encoding="utf-8")
    assert text.startswith("# Maryia Kalesnikava: the texts of this case pack in fr.")
    assert yaml.safe_load(text)["case"]["summary"].startswith("Maryia")
    raw, _images = check_pack(folder)
    assert "fr" in raw.translations
    with pytest.raises(CommandError, match="exists"):
        call_command("casepack_skeleton", str(folder), "fr", stdout=io.StringIO())
    call_command("casepack_skeleton", str(folder), "fr", "--force", stdout=io.StringIO())


def test_casepack_skeleton_to_the_screen(tmp_path, capsys):
    folder = copy_pack(tmp_path)
    call_command("casepack_skeleton", str(folder), "ar", "--output", "-")
    assert "summary:" in capsys.readouterr().out
    assert not (folder / "translations").exists()


@pytest.mark.parametrize(
    ("language", "message"),
    [("french", "not a language code"), ("en", "written in en already")],
)
def test_casepack_skeleton_refuses(tmp_path, language, message):
    with pytest.raises(CommandError, match=message):
        call_command("casepack_skeleton", str(copy_pack(tmp_path)), language, stdout=io.StringIO())


def test_casepack_skeleton_of_a_pack_with_problems(tmp_path):
    folder = copy_pack(tmp_path)
    write_translation(folder, "fr.yaml", {"case": {"motto": "x"}})
    with pytest.raises(CommandError, match="case.motto"):
        call_command("casepack_skeleton", str(folder), "es", stdout=io.StringIO())
