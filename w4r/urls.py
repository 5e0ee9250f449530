from functools import wraps

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views.static import serve

from activities import floods
from w4r import jsi18n
from w4r.views import too_many_tries

admin.site.site_header = "W4R Live"
admin.site.site_title = "W4R Live"


def throttled(view):
    """Sign-in and password-reset posts count per address (W4R_LOGIN_RATE),
    beside Axes' lockout of one account from one address: spraying many
    accounts from one address is slowed too."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method == "POST" and not floods.login_allowed(request):
            return too_many_tries(request, retry_after=15 * 60)
        return view(request, *args, **kwargs)

    return wrapped


admin.site.login = throttled(admin.site.login)

# django.contrib.auth.urls, with the two views that take a password or an
# address throttled.
auth_urlpatterns = [
    path("login/", throttled(auth_views.LoginView.as_view()), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password_change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path(
        "password_reset/",
        throttled(auth_views.PasswordResetView.as_view()),
        name="password_reset",
    ),
    path(
        "password_reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include(auth_urlpatterns)),
    path("i18n/", include("django.conf.urls.i18n")),
    # The JavaScript catalog, one address per language and version (w4r/jsi18n.py).
    re_path(
        r"^jsi18n/(?P<language>[a-z]{2,3}(?:-[a-z0-9]{2,8})?)\.(?P<version>[0-9a-f]{12})\.js$",
        jsi18n.js_catalog,
        name="js_catalog",
    ),
    path("", include("activities.urls")),
    path("", include("letters.urls")),
]

# Case pictures and drawings are few and small: the app serves them itself,
# with the same headers as every other response, in production too.
urlpatterns += [
    path(
        f"{settings.MEDIA_URL.strip('/')}/<path:path>",
        serve,
        {"document_root": settings.MEDIA_ROOT},
    ),
]

# A database outage answers 503 ("try again in a moment"), a bug 500;
# 400, 403 and 404 use Django's handlers with the templates in templates/.
handler500 = "w4r.views.server_error"
