import gc
import importlib
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pos_platform.settings")

application = get_wsgi_application()

# The views (every module the two URL confs import) are loaded now rather than by the first
# request; then everything loaded lives as long as the process, so it is moved out of the cyclic
# collector's reach (gc.freeze): a full collection, which a burst of requests building many rows
# (a sync push of 200 sales) triggers, no longer walks the whole application each time.
# bench/sync_ingest.py measures the effect on ingest (docs/performance.md).
for _module in ("pos_platform.urls_tenant", "pos_platform.urls_public"):
    importlib.import_module(_module)
gc.collect()
gc.freeze()
