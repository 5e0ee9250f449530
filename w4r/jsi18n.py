"""The messages of static/w4r/*.js, through Django's JavaScript catalog.

Each language's catalog is served at /jsi18n/<language>.<version>.js, the
version being a hash of its content: a browser may keep it for a year (the
next catalog has another address), and never gets one language for another,
as it would from a single address that answers by cookie. It holds our own
djangojs strings (locale/*/LC_MESSAGES/djangojs.po) and the language's
formats, not the admin's strings. Built once per process and language.
"""

import hashlib
from functools import cache

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.urls import reverse
from django.utils import translation
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET
from django.views.i18n import JavaScriptCatalog

YEAR = 365 * 24 * 60 * 60


class _Catalog(JavaScriptCatalog):
    # The apps' own catalogs and LOCALE_PATHS, without the admin's strings.
    packages = ["activities", "letters"]


def _offered(language):
    return language in {code for code, _name in settings.LANGUAGES}


@cache
def catalog(language):
    """(JavaScript, version) of `language`'s catalog."""
    with translation.override(language):
        body = _Catalog().get(None).content
    return body, hashlib.sha256(body).hexdigest()[:12]


def catalog_url(language=None):
    """The address of the catalog of `language` (the active one by default)."""
    language = language or translation.get_language()
    if not _offered(language):
        language = settings.LANGUAGE_CODE
    return reverse("js_catalog", args=[language, catalog(language)[1]])


@require_GET
@gzip_page
def js_catalog(request, language, version):
    if not _offered(language):
        raise Http404
    body, current = catalog(language)
    etag = f'"{current}"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["ETag"] = etag
    if version == current:
        response["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    else:
        # A page from before a deploy asks for the old version: answer with
        # today's, but do not let it be kept under the old address.
        response["Cache-Control"] = "no-cache"
    return response
