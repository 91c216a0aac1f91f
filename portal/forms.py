"""What the portal's forms share."""


def show_errors(form, message: str, errors: dict) -> None:
    """Put a service's refusal on ``form``: each field's messages on that field; messages for names the form
    does not have (``__all__``, ``participants``, ...) on top of it; the summary ``message`` on top too
    unless some field already says what is wrong."""
    placed = False
    for name, field_errors in errors.items():
        if name in form.fields:
            form.add_error(name, list(field_errors))
            placed = True
        elif name != "__all__" or list(field_errors) != [message]:
            form.add_error(None, list(field_errors))
    if not placed:
        form.add_error(None, message)
