from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """The bearer token in the API schema, so /api/docs/ offers an "Authorize" box for it."""

    target_class = "portal.apiauth.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An access token from POST /api/v1/oauth/token/ (client credentials), valid at most an hour.",
        }
