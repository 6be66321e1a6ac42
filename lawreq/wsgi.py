import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lawreq.settings")

from lawreq.middleware import refuse_malformed_headers

application = refuse_malformed_headers(get_wsgi_application())
