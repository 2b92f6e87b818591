from django.utils.translation import gettext_noop

from pos_platform.kernel.errors import Conflict, NotFound, ValidationFailed


class ShiftNotFound(NotFound):
    code = "shift_not_found"
    default_message = gettext_noop("No such shift.")


class ShiftAlreadyOpen(Conflict):
    code = "shift_already_open"
    default_message = gettext_noop("This cashier already has an open shift at this storefront.")


class ShiftClosed(Conflict):
    code = "shift_closed"
    default_message = gettext_noop("This shift is closed.")


class ShiftInvalid(ValidationFailed):
    code = "shift_invalid"
    default_message = gettext_noop("The shift operation is not valid.")


class ShiftExists(Conflict):
    code = "shift_exists"
    default_message = gettext_noop("A shift or cash movement with this id already exists.")
