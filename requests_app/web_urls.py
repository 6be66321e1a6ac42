"""The web UI's pages. References (LR-YYYY-NNNNNN) are the only identifiers in these paths."""

from django.contrib.auth.views import LogoutView
from django.urls import path

from disclosure import views as disclosure_views
from requests_app import views

app_name = "web"

REF = "<str:ref>"

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.WebLoginView.as_view(), name="login"),
    path("accounts/logout/", LogoutView.as_view(), name="logout"),
    # The legal team
    path("queue/", views.queue, name="queue"),
    path(f"queue/{REF}/", views.staff_detail, name="staff-detail"),
    path(f"queue/{REF}/checks/", views.checks_run, name="checks-run"),
    path(f"queue/{REF}/proposal/", disclosure_views.proposal_submit, name="proposal"),
    path(f"queue/{REF}/approval/", disclosure_views.approval_submit, name="approval"),
    # Police officers
    path("portal/", views.portal, name="portal"),
    path("portal/new/", views.portal_create, name="portal-create"),
    path(f"portal/{REF}/", views.portal_detail, name="portal-detail"),
    path(f"portal/{REF}/edit/", views.portal_edit, name="portal-edit"),
    path(f"portal/{REF}/documents/", views.portal_upload, name="portal-upload"),
    path(f"portal/{REF}/submit/", views.portal_submit, name="portal-submit"),
    path(f"portal/{REF}/withdraw/", views.portal_withdraw, name="portal-withdraw"),
    path(f"portal/{REF}/response.pdf", views.portal_response, name="portal-response"),
]
