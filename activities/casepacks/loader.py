"""Loading a validated case pack: all of it, in one transaction, or nothing."""

import hashlib
import json
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from ..models import Case, CaseImage, CaseVersion
from .errors import CasePackInvalid, PackError
from .reader import PackReadError, read_pack
from .validation import image_references, schema_errors, semantic_errors, validate


@dataclass(frozen=True)
class LoadResult:
    case: Case | None
    version: CaseVersion | None
    created: bool  # a new case
    changed: bool  # a new version was recorded


def checksum(data, image_hashes):
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode())
    for path in sorted(image_hashes):
        digest.update(f"\0{path}\0{image_hashes[path]}".encode())
    return digest.hexdigest()


def check_pack(source, name=None):
    """Read and validate a pack; raise CasePackInvalid listing every problem."""
    try:
        raw = read_pack(source, name=name)
    except PackReadError as exc:
        raise CasePackInvalid(exc.errors) from None
    images, errors = validate(raw)
    if errors:
        raise CasePackInvalid(errors)
    return raw, images


def load_pack(source, *, name=None, user=None):
    raw, images = check_pack(source, name=name)
    return _store(raw.data, images, source=raw.name, user=user)


def _text(value, language):
    if isinstance(value, str):
        return value
    return value.get(language) or next(iter(value.values()))


def _store(data, images, *, source, user, reuse_images=None):
    """Record `data` as the case's newest version unless it is unchanged."""
    reuse_images = reuse_images or {}
    image_hashes = {path: image.sha256 for path, image in images.items()}
    image_hashes.update({path: image.sha256 for path, image in reuse_images.items()})
    digest = checksum(data, image_hashes)
    case_data = data["case"]
    saved_files = []
    try:
        with transaction.atomic():
            case, created = Case.objects.select_for_update().get_or_create(
                slug=case_data["slug"],
                defaults={
                    "name": case_data["name"],
                    "country": _text(case_data["country"], data["language"]),
                    "campaign_year": data["campaign"]["year"],
                },
            )
            current = case.current_version
            if current is not None and current.checksum == digest:
                return LoadResult(case, current, created=False, changed=False)
            case.name = case_data["name"]
            case.country = _text(case_data["country"], data["language"])
            case.campaign_year = data["campaign"]["year"]
            number = (case.versions.aggregate(top=Max("number"))["top"] or 0) + 1
            version = CaseVersion.objects.create(
                case=case,
                number=number,
                data=data,
                checksum=digest,
                source=source[:300],
                loaded_by=user,
            )
            for path, image in images.items():
                stored = default_storage.save(
                    f"cases/{image.sha256[:32]}.{image.extension}", ContentFile(image.content)
                )
                saved_files.append(stored)
                CaseImage.objects.create(
                    version=version,
                    path=path,
                    image=stored,
                    width=image.width,
                    height=image.height,
                    sha256=image.sha256,
                )
            for path, image in reuse_images.items():
                CaseImage.objects.create(
                    version=version,
                    path=path,
                    image=image.image.name,
                    width=image.width,
                    height=image.height,
                    sha256=image.sha256,
                )
            case.current_version = version
            case.save()
    except Exception:
        for stored in saved_files:
            default_storage.delete(stored)
        raise
    return LoadResult(case, version, created=created, changed=True)


def save_edited_content(case, data, *, user):
    """An admin's edit of a case's content: validated like a pack, stored as a
    new version (sessions that ran on the old one keep it). Images cannot be
    uploaded this way; the content may name the current version's images."""
    errors = schema_errors(data) + semantic_errors(data)
    current = case.current_version
    known = {image.path: image for image in current.images.all()} if current else {}
    reuse = {}
    for place, path in image_references(data):
        if path in known:
            reuse[path] = known[path]
        else:
            # Translators: %(path)s is an image file's path, in quotes, that the
            # edited content names; new images come only with a case pack.
            message = _("%(path)s is not an image of this case; load a pack") % {"path": repr(path)}
            errors.append(PackError(place, message))
    if not errors and data["case"]["slug"] != case.slug:
        # Translators: said of the case's slug (its identifier) in the admin's content editor.
        message = _("cannot be changed here; load a pack instead")
        errors.append(PackError("case.slug", message))
    if errors:
        raise CasePackInvalid(errors)
    return _store(data, {}, source="admin edit", user=user, reuse_images=reuse)
