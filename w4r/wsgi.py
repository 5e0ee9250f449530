import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "w4r.settings")

application = get_wsgi_application()

from w4r.secret_key import refuse_to_serve_without_a_lasting_key  # noqa: E402

refuse_to_serve_without_a_lasting_key()
