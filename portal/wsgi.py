import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
application = get_wsgi_application()

# Load every view now, then leave what start-up built (about 200,000 objects: modules, models, URL
# patterns, templates' code) out of the garbage collector's full passes: it never becomes garbage, and
# walking it paused one request in about sixty by 100-150 ms (bench/pages.py, docs/performance.md).
get_resolver().url_patterns  # noqa: B018 (imports the URLconf and the views)
gc.freeze()
