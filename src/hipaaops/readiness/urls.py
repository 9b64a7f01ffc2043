from django.urls import path

from hipaaops.readiness import views

app_name = "readiness"

# Mounted at /o/<org_slug>/readiness/.
urlpatterns = [
    path("", views.overview, name="overview"),
    path("audits/<int:audit_id>/", views.audit_view, name="audit"),
    path("audits/<int:audit_id>/chart.svg", views.audit_chart, name="chart"),
    path("audits/<int:audit_id>/responses.csv", views.audit_csv, name="csv"),
    path("audits/<int:audit_id>/refresh/", views.refresh, name="refresh"),
    path("audits/<int:audit_id>/close/", views.close, name="close"),
    path("audits/<int:audit_id>/inquiries/<str:inquiry_id>/", views.inquiry_view, name="inquiry"),
    path("remediation/<int:remediation_id>/done/", views.remediation_done, name="remediation_done"),
    path("penalties/", views.penalties, name="penalties"),
    path("binder/", views.binder_export, name="binder"),
]
