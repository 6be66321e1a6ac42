from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
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
