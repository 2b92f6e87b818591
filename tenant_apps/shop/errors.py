from pos_platform.kernel.errors import ValidationFailed


class SettingsInvalid(ValidationFailed):
    code = "settings_invalid"
    default_message = "The settings are not valid."
