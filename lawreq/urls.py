from __future__ import annotations

from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

# Under /api/ an error raised outside DRF is JSON too; elsewhere a page in the site's style.
handler400 = "lawreq.views.bad_request"
handler403 = "lawreq.views.permission_denied"
handler404 = "lawreq.views.not_found"
handler500 = "lawreq.views.server_error"


class FaviconRedirect(RedirectView):
    """Browsers ask for /favicon.ico on pages without a <link rel="icon"> (the admin, the API docs)."""

    permanent = True

    def get_redirect_url(self, *args, **kwargs) -> str:
        return static("favicon.ico")


urlpatterns = [
    path("favicon.ico", FaviconRedirect.as_view(), name="favicon"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the header's language chooser (POST)
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file (/api/docs/?script): no inline script.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="api/swagger_ui.html"),
        name="swagger-ui",
    ),
    # Each app mounts its own API paths (under api/v1/); the web app every page.
    path("", include("requests_app.urls")),
    path("", include("rules.urls")),
    path("", include("subscribers.urls")),
    path("", include("disclosure.urls")),
    path("", include("letters.urls")),
    path("", include("casework.urls")),
    path("", include("notifications.urls")),
    path("", include("workflow.urls")),
    path("", include("audit.urls")),
    path("", include("reports.urls")),
    path("", include("web.urls")),
]
