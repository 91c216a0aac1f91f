"""The API's renderer. Its own module: DRF imports it while loading its settings, before portal.api (whose
views import DRF's) could be."""

import orjson
from rest_framework.renderers import JSONRenderer


class FastJSONRenderer(JSONRenderer):
    """DRF's JSON output (compact, UTF-8) written by orjson, several times faster: a page of the loans list
    spends a tenth of its time in ``json.dumps`` otherwise (docs/performance.md §1). Whatever orjson would
    write differently from DRF, datetimes and the types it does not know (Decimal, lazy translations), goes
    through DRF's own encoder, so the bytes are the same (tests/portal/test_api_renderer.py)."""

    _OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if self.get_indent(accepted_media_type or "", renderer_context or {}):
            return super().render(data, accepted_media_type, renderer_context)  # "; indent=4" asked for
        return orjson.dumps(data, default=self.encoder_class().default, option=self._OPTIONS)
