"""Account writes: users, sign-in (:mod:`.auth`), password changes (:mod:`.password`), staff
management (:mod:`.staff`)."""

from shared_apps.accounts.services.users import membership_grant, one_time_password, user_get_or_create

__all__ = ["membership_grant", "one_time_password", "user_get_or_create"]
