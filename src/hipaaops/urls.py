from django.urls import include, path

from hipaaops.api.api import api
from hipaaops.core import views as core_views
from hipaaops.organizations import views as org_views
from hipaaops.privacy import views as privacy_views
from hipaaops.vendors import views as vendor_views

org_patterns = [
    path("", include("hipaaops.dashboard.urls")),
    path("", include("hipaaops.organizations.urls")),
    path("audit/", include("hipaaops.audit.urls")),
    path("tokens/", include("hipaaops.api.urls")),
    path("safeguards/", include("hipaaops.safeguards.urls")),
    path("readiness/", include("hipaaops.readiness.urls")),
    path("incidents/", include("hipaaops.incidents.urls")),
    path("privacy/", include("hipaaops.privacy.urls")),
    path("vendors/", include("hipaaops.vendors.urls")),
    path("inventory/", include("hipaaops.inventory.urls")),
    path("sra/", include("hipaaops.sra.urls")),
    path("breaches/", include("hipaaops.breaches.urls")),
]

urlpatterns = [
    path("", org_views.home, name="home"),
    path("switch/", org_views.switch, name="switch_organization"),
    path("healthz", core_views.healthz, name="healthz"),
    path("session/status", core_views.session_status, name="session_status"),
    path("session/keepalive", core_views.session_keepalive, name="session_keepalive"),
    path("session/expire", core_views.session_expire, name="session_expire"),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", api.urls),
    path("o/<slug:org_slug>/", include(org_patterns)),
    # Pages without an account: an organization's rights-request intake, when it is open.
    path("intake/<slug:org_slug>/", privacy_views.intake, name="privacy_intake"),
    # A vendor answers its security questionnaire through a single-use link, without an account.
    path("vendor-review/<str:token>/", vendor_views.questionnaire, name="vendor_questionnaire"),
]

handler400 = "hipaaops.core.views.bad_request"
handler403 = "hipaaops.core.views.permission_denied"
handler404 = "hipaaops.core.views.page_not_found"
handler500 = "hipaaops.core.views.server_error"
