"""django.contrib.admin's app, with ``admin.site`` the site that logs in like every page."""

from django.contrib.admin.apps import AdminConfig


class StaffAdminConfig(AdminConfig):
    default_site = "requests_app.login.StaffAdminSite"
