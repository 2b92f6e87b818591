from pos_platform.kernel.errors import Conflict, NotFound, ValidationFailed


class ShiftNotFound(NotFound):
    code = "shift_not_found"
    default_message = "No such shift."


class ShiftAlreadyOpen(Conflict):
    code = "shift_already_open"
    default_message = "This cashier already has an open shift at this storefront."


class ShiftClosed(Conflict):
    code = "shift_closed"
    default_message = "This shift is closed."


class ShiftInvalid(ValidationFailed):
    code = "shift_invalid"
    default_message = "The shift operation is not valid."


class ShiftExists(Conflict):
    code = "shift_exists"
    default_message = "A shift or cash movement with this id already exists."
