from django.urls import path

from hipaaops.safeguards import views

app_name = "safeguards"

# Mounted at /o/<org_slug>/safeguards/. The register and the posture are apart, so that each
# page highlights only its own navigation entry.
urlpatterns = [
    path("register/", views.register, name="register"),
    path("register/items/<int:item_id>/", views.item_view, name="item"),
    path("register/items/<int:item_id>/decision/", views.decision, name="decision"),
    path("register/items/<int:item_id>/answers/", views.answer, name="answer"),
    path("register/items/<int:item_id>/documents/", views.upload, name="upload"),
    path("register/items/<int:item_id>/links/", views.link, name="link"),
    path("register/export.csv", views.export_csv, name="export_csv"),
    path("register/export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("register/statement.pdf", views.export_statement, name="export_statement"),
    path("register/catalog-oscal.json", views.export_oscal, name="export_oscal"),
    path("documents/<int:document_id>/", views.document_download, name="document"),
    path("posture/", views.posture, name="posture"),
    path("posture/trend.svg", views.trend_chart, name="trend_chart"),
    path("posture/families.svg", views.family_chart, name="family_chart"),
]
