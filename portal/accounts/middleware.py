ACTING_SESSION_KEY = "acting_membership_id"


class ActingOrganisationMiddleware:
    """Sets the membership the signed-in user acts under for this request (chosen in the session)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            membership_id = request.session.get(ACTING_SESSION_KEY)
            if membership_id is not None:
                membership = next((m for m in user.active_memberships() if m.pk == membership_id), None)
                if membership is None:
                    # Revoked or deactivated since it was chosen: fall back to the default.
                    request.session.pop(ACTING_SESSION_KEY, None)
                else:
                    user.act_as(membership)
        return self.get_response(request)
