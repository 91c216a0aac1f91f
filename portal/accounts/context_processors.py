def acting_organisation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "acting_membership": user.membership,
        # Only needed for the switcher: the list the acting membership was chosen from (no query more).
        "switchable_memberships": user.active_memberships,
    }
