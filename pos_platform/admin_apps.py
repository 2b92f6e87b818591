"""``django.contrib.admin`` with the platform admin (:mod:`pos_platform.admin_site`) as ``admin.site``."""

from django.contrib.admin.apps import AdminConfig


class PlatformAdminConfig(AdminConfig):
    default_site = "pos_platform.admin_site.PlatformAdminSite"
