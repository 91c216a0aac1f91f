"""drf-spectacular postprocessing hook: what every operation of the API answers but no view declares.

Wired in SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"] after drf-spectacular's own enum hook. The schema
fuzzing (security.md check 22, tests/ops/test_schema_fuzz.py) found each of these undocumented:

- 401 on every operation that needs credentials: with none, or with an unknown, expired or revoked bearer
  token, DRF answers 401 because the bearer scheme names a ``WWW-Authenticate`` challenge;
- 429 on every operation a bearer token may call, past the API client's rate (BankClientThrottle);
- 415 on every operation that reads a body, for a body in a media type it has no parser for;
- an empty optional query parameter (``?bank=``) means the parameter is absent: DRF reads an empty value
  of an optional field from a query string that way, so the schema says ``allowEmptyValue``.
"""


def _refusal(description: str, envelope: dict | None) -> dict:
    return {"description": description, **({"content": envelope} if envelope else {})}


def complete_api_schema(result, generator, request, public):
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query" and not parameter.get("required"):
                    parameter.setdefault("allowEmptyValue", True)
            responses = operation["responses"]
            # The refusal has the operation's own error envelope (each API names its error component).
            envelope = next(
                (responses[code].get("content") for code in ("400", "403", "404") if code in responses), None
            )
            if "requestBody" in operation:
                responses.setdefault(
                    "415", _refusal("The body's media type is not one this operation reads.", envelope)
                )
            schemes = {name for requirement in operation.get("security", []) for name in requirement}
            if not schemes:
                continue  # public: no credentials; its own throttle is documented by the view
            responses.setdefault(
                "401",
                _refusal("No credentials, or a bearer token that is unknown, expired or revoked.", envelope),
            )
            if "bearerAuth" in schemes:
                responses.setdefault(
                    "429",
                    _refusal(
                        "Too many calls from this API client; retry after `Retry-After` seconds.", envelope
                    ),
                )
    return result
