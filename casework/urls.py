from django.urls import path

from casework import api
from lawreq.converters import REF

urlpatterns = [
    path(f"api/v1/requests/{REF}/notes/", api.NotesView.as_view(), name="api-notes"),
]
