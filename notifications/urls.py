from django.urls import path

from notifications import api

urlpatterns = [
    path("api/v1/notifications/", api.NotificationListView.as_view(), name="api-notifications"),
    path("api/v1/notifications/read/", api.NotificationReadAllView.as_view(), name="api-notifications-read"),
    path(
        "api/v1/notifications/<int:notification_id>/read/",
        api.NotificationReadView.as_view(),
        name="api-notification-read",
    ),
]
