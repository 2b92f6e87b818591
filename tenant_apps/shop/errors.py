from django.utils.translation import gettext_noop

from pos_platform.kernel.errors import ValidationFailed


class SettingsInvalid(ValidationFailed):
    code = "settings_invalid"
    default_message = gettext_noop("The settings are not valid.")
