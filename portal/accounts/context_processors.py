from portal.accounts.selectors import membership_list_for_user


def acting_organisation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "acting_membership": user.membership,
        # Only needed for the switcher; a lazy callable keeps pages without it query-free.
        "switchable_memberships": lambda: list(membership_list_for_user(user=user)),
    }
