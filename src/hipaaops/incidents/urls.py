from django.urls import path

from hipaaops.incidents import views

app_name = "incidents"

# Mounted at /o/<org_slug>/incidents/.
urlpatterns = [
    path("", views.register, name="register"),
    path("log.csv", views.log_csv, name="log_csv"),
    path("annual-log.csv", views.annual_log, name="annual_log"),
    path("<int:incident_id>/", views.incident_view, name="incident"),
    path("<int:incident_id>/edit/", views.edit, name="edit"),
    path("<int:incident_id>/status/", views.status, name="status"),
    path("<int:incident_id>/timeline/", views.timeline, name="timeline"),
    path("<int:incident_id>/tasks/", views.task, name="task"),
    path("<int:incident_id>/determination/", views.determination, name="determination"),
    path("<int:incident_id>/determination/finalize/", views.finalize, name="finalize"),
    path("<int:incident_id>/facts/", views.facts, name="facts"),
    path("<int:incident_id>/individuals/import/", views.import_individuals, name="import"),
    path("<int:incident_id>/individuals/", views.individuals, name="individuals"),
    path("<int:incident_id>/notice/", views.notice, name="notice"),
    path("<int:incident_id>/letters.pdf", views.letters_pdf, name="letters"),
    path("<int:incident_id>/letters/<int:individual_id>.pdf", views.letter_pdf, name="letter"),
    path("<int:incident_id>/mailhouse.csv", views.mailhouse_csv, name="mailhouse"),
    path("<int:incident_id>/attachments/", views.attach, name="attach"),
    path("<int:incident_id>/vendors/", views.vendors, name="vendors"),
    path(
        "<int:incident_id>/covered-entity-individuals.csv",
        views.ba_identities,
        name="ba_identities",
    ),
    path("<int:incident_id>/hhs-report.<str:fmt>", views.data_sheet, name="data_sheet"),
    path("tasks/<int:task_id>/done/", views.task_done, name="task_done"),
]
