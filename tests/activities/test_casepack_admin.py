"""Case packs in the admin: "Load a case pack" and "Edit content"."""

import copy
import html
import io
import zipfile

import pytest
import yaml
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from activities.casepacks.loader import load_pack
from activities.models import Case, CaseImage, CaseVersion
from tests.factories import PACK_2024, PACK_OTHER, UserFactory, live_session

pytestmark = pytest.mark.django_db

LOAD_URL = reverse("admin:activities_case_load")
CHANGELIST_URL = reverse("admin:activities_case_changelist")


# Helpers ---------------------------------------------------------------------


def pack_zip(folder, *, top=None, change=None):
    """An uploaded zip of a pack folder; `change(data)` edits its pack.yaml first."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if not path.is_file():
                continue
            name = path.relative_to(folder).as_posix()
            content = path.read_bytes()
            if name == "pack.yaml" and change is not None:
                data = yaml.safe_load(content)
                change(data)
                content = yaml.safe_dump(data, allow_unicode=True).encode()
            archive.writestr(f"{top}/{name}" if top else name, content)
    return SimpleUploadedFile(f"{folder.name}.zip", buffer.getvalue(), "application/zip")


def upload(client, file):
    return client.post(LOAD_URL, {"pack": file})


def stored():
    return Case.objects.count(), CaseVersion.objects.count(), CaseImage.objects.count()


def change_url(case):
    return reverse("admin:activities_case_change", args=[case.pk])


def content_url(case):
    return reverse("admin:activities_case_content", args=[case.pk])


def edited_content(case, change):
    """The case's current content as YAML, after `change(data)`."""
    data = copy.deepcopy(case.current_version.data)
    change(data)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def post_content(client, case, change):
    return client.post(content_url(case), {"content": edited_content(case, change)})


def rename_step(title, index=1):
    def change(data):
        data["activities"][0]["steps"][index]["title"] = title

    return change


def staff_user(*permissions):
    user = UserFactory(is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="activities", codename__in=permissions)
    )
    return user


@pytest.fixture
def superuser_client(client):
    user = UserFactory()
    user.is_staff = True
    user.is_superuser = True
    user.save()
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def case_2024():
    return load_pack(PACK_2024).case


# Load a case pack ---------------------------------------------------------------


def test_change_list_offers_load_a_case_pack(superuser_client):
    response = superuser_client.get(CHANGELIST_URL)
    assert response.status_code == 200
    assert "Load a case pack" in response.text
    assert f'href="{LOAD_URL}"' in response.text


def test_load_view_shows_the_form(superuser_client):
    response = superuser_client.get(LOAD_URL)
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in response.text
    assert 'type="file" name="pack"' in response.text
    assert "nothing was loaded" not in response.text


def test_uploading_the_second_pack_loads_it_and_shows_both_packs(superuser_client):
    response = upload(superuser_client, pack_zip(PACK_OTHER, top="other-pack"))
    case = Case.objects.get(slug="test-river-defenders")
    assert response.status_code == 302
    assert response["Location"] == change_url(case)
    version = case.current_version
    assert (version.number, version.source, version.loaded_by) == (
        1, "other-pack.zip", superuser_client.user,
    )
    assert CaseImage.objects.get(version=version).path == "images/portrait.png"

    page = superuser_client.get(response["Location"])
    assert page.status_code == 200
    assert "The River Defenders (test case)" in page.text
    assert "version 1 loaded" in page.text
    assert content_url(case) in page.text  # "Edit content"

    response = upload(superuser_client, pack_zip(PACK_2024))  # zipped at its root
    assert response.status_code == 302
    listing = superuser_client.get(CHANGELIST_URL)
    assert "Maryia Kalesnikava" in listing.text
    assert "The River Defenders (test case)" in listing.text
    assert stored() == (2, 2, 1)


def test_uploading_an_unchanged_pack_says_so(superuser_client, case_2024):
    response = upload(superuser_client, pack_zip(PACK_2024))
    assert response["Location"] == change_url(case_2024)
    assert "no change" in superuser_client.get(response["Location"]).text
    assert CaseVersion.objects.count() == 1


def test_uploading_a_broken_pack_lists_its_problems_and_loads_nothing(superuser_client):
    def two_problems(data):
        del data["case"]["name"]
        data["activities"][0]["steps"][3]["matches"][0]["rights"][0] = "art-99"

    response = upload(superuser_client, pack_zip(PACK_2024, change=two_problems))
    assert response.status_code == 200
    assert "2 problems; nothing was loaded." in response.text
    assert "<code>case.name</code>: is required" in response.text
    assert "<code>activities[0].steps[3].matches[0].rights[0]</code>: no rights card" in (
        response.text
    )
    assert stored() == (0, 0, 0)


def test_uploading_a_file_that_is_not_a_zip(superuser_client):
    fake = SimpleUploadedFile("pack.zip", b"this is not a zip", "application/zip")
    response = upload(superuser_client, fake)
    assert response.status_code == 200
    assert "1 problem; nothing was loaded." in response.text
    assert "<code>pack.zip</code>: is not a zip file" in response.text
    assert stored() == (0, 0, 0)


@pytest.mark.parametrize("chosen_by", ["cookie", "browser"])
def test_a_broken_pack_s_problems_are_listed_in_the_admin_s_language(superuser_client, chosen_by):
    """The problems are made during the request, in its language (the
    language cookie, or the browser's Accept-Language); the places stay
    as they are in the pack."""

    def problems(data):
        del data["case"]["name"]
        data["activities"][0]["steps"][2]["kind"] = "dance"
        data["activities"][0]["steps"][3]["matches"][0]["rights"][0] = "art-99"

    headers = {}
    if chosen_by == "cookie":
        superuser_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    else:
        headers["HTTP_ACCEPT_LANGUAGE"] = "fr-FR,fr;q=0.9,en;q=0.5"
    response = superuser_client.post(
        LOAD_URL, {"pack": pack_zip(PACK_2024, change=problems)}, **headers
    )
    assert response.status_code == 200
    page = html.unescape(response.text)
    assert "3 problèmes\N{NARROW NO-BREAK SPACE}; rien n’a été chargé." in page
    assert "<code>case.name</code>: est obligatoire" in page
    assert "<code>activities[0].steps[2].kind</code>: type d’étape inconnu 'dance'" in page
    assert (
        "<code>activities[0].steps[3].matches[0].rights[0]</code>: "
        "aucune carte de droit n’a la clé 'art-99'"
    ) in page
    assert "is required" not in page
    assert stored() == (0, 0, 0)


def test_a_zip_leaving_the_pack_is_refused_in_the_admin_s_language(superuser_client):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("pack.yaml", "format: 1\n")
        archive.writestr("../evil.png", b"\0")
    evil = SimpleUploadedFile("evil.zip", buffer.getvalue(), "application/zip")
    superuser_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    response = upload(superuser_client, evil)
    page = html.unescape(response.text)
    assert "<code>../evil.png</code>: sale del paquete" in page
    assert stored() == (0, 0, 0)


def test_load_view_needs_the_add_case_permission(client):
    client.force_login(staff_user("view_case", "change_case"))
    assert client.get(LOAD_URL).status_code == 403
    assert upload(client, pack_zip(PACK_OTHER)).status_code == 403
    assert stored() == (0, 0, 0)
    listing = client.get(CHANGELIST_URL)
    assert listing.status_code == 200
    assert "Load a case pack" not in listing.text


def test_load_view_sends_anonymous_visitors_to_the_login(client):
    response = client.get(LOAD_URL)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('admin:login')}?next={LOAD_URL}"


# Edit content -------------------------------------------------------------------


def test_content_view_shows_the_yaml(superuser_client, case_2024):
    response = superuser_client.get(content_url(case_2024))
    assert response.status_code == 200
    assert "Edit the content of Maryia Kalesnikava (2024)" in response.text
    assert "slug: maryia-kalesnikava" in response.text
    # The pack's translations/ files are folded into its texts: {en: ..., fr: ...}.
    assert "en: Understanding the right to protest" in response.text


def test_editing_content_records_a_new_version(superuser_client, case_2024):
    session = live_session()  # runs on version 1
    response = post_content(superuser_client, case_2024, rename_step("Protest!"))
    assert response.status_code == 302
    assert response["Location"] == change_url(case_2024)
    assert "Saved as version 2." in superuser_client.get(response["Location"]).text

    case_2024.refresh_from_db()
    version = case_2024.current_version
    assert (version.number, version.source, version.loaded_by) == (
        2, "admin edit", superuser_client.user,
    )
    assert version.content.activities[0].step("protest").title.text == "Protest!"
    session.refresh_from_db()
    assert session.case_version.number == 1
    assert session.activity.step("protest").title.text == "Understanding the right to protest"


def test_saving_unchanged_content_records_nothing(superuser_client, case_2024):
    response = post_content(superuser_client, case_2024, lambda data: None)
    assert response.status_code == 302
    assert "No change." in superuser_client.get(response["Location"]).text
    assert CaseVersion.objects.count() == 1


def test_editing_content_keeps_the_cases_images(superuser_client):
    case = load_pack(PACK_OTHER).case
    image = CaseImage.objects.get()
    response = post_content(superuser_client, case, rename_step("Cards", index=0))
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.current_version.number == 2
    kept = case.current_version.images.get()
    assert (kept.path, kept.image.name, kept.sha256) == (image.path, image.image.name, image.sha256)


def test_content_naming_an_image_the_case_does_not_have(superuser_client):
    case = load_pack(PACK_OTHER).case

    def other_picture(data):
        data["case"]["picture"]["file"] = "images/other.png"

    response = post_content(superuser_client, case, other_picture)
    assert response.status_code == 200
    assert "<code>case.picture.file</code>:" in response.text
    assert "is not an image of this case" in response.text
    assert stored() == (1, 1, 1)


def test_invalid_content_shows_the_problems_and_saves_nothing(superuser_client, case_2024):
    def problems(data):
        del data["case"]["name"]
        data["activities"][0]["steps"][2]["background"] = ["right-to-dance"]

    response = post_content(superuser_client, case_2024, problems)
    assert response.status_code == 200
    assert "<code>case.name</code>: is required" in response.text
    assert "<code>activities[0].steps[2].background[0]</code>: no background page" in response.text
    assert CaseVersion.objects.count() == 1


def test_invalid_yaml_in_content_saves_nothing(superuser_client, case_2024):
    content = "format: 1\nlanguage: en\ncase: x: y\n"
    response = superuser_client.post(content_url(case_2024), {"content": content})
    assert response.status_code == 200
    assert "Invalid YAML, line 3: mapping values are not allowed here" in response.text
    assert CaseVersion.objects.count() == 1


def test_yaml_aliases_in_content_are_refused_as_in_a_pack(superuser_client, case_2024):
    """A pack refuses aliases (they can expand into gigabytes once saved); the
    admin's content editor must not let them in either."""
    content = edited_content(case_2024, lambda data: None)
    content = content.replace("language: en", "language: &lang en", 1)
    content = content.replace("en: Belarus\n", "en: *lang\n", 1)
    response = superuser_client.post(content_url(case_2024), {"content": content})
    assert response.status_code == 200
    assert "aliases" in response.text
    assert CaseVersion.objects.count() == 1


def test_changing_the_slug_is_refused(superuser_client, case_2024):
    def new_slug(data):
        data["case"]["slug"] = "someone-else"

    response = post_content(superuser_client, case_2024, new_slug)
    assert response.status_code == 200
    assert "<code>case.slug</code>: cannot be changed here; load a pack instead" in response.text
    assert list(Case.objects.values_list("slug", flat=True)) == ["maryia-kalesnikava"]
    assert CaseVersion.objects.count() == 1


def test_content_view_needs_the_change_case_permission(client, case_2024):
    client.force_login(staff_user("view_case", "add_case"))
    assert client.get(content_url(case_2024)).status_code == 403
    assert post_content(client, case_2024, rename_step("Hacked")).status_code == 403
    assert CaseVersion.objects.count() == 1
