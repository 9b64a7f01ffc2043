from django.urls import path

from hipaaops.sra import views

app_name = "sra"

# Mounted at /o/<org_slug>/sra/.
urlpatterns = [
    path("", views.assessments, name="assessments"),
    path("register/", views.register_current, name="register"),
    path("library/", views.library, name="library"),
    path("<int:assessment_id>/", views.assessment, name="assessment"),
    path("<int:assessment_id>/scale/", views.scale, name="scale"),
    path("<int:assessment_id>/questions/<str:section>/", views.questionnaire, name="questionnaire"),
    path("<int:assessment_id>/proposals/", views.proposals, name="proposals"),
    path("<int:assessment_id>/register/", views.register, name="register_of"),
    path("<int:assessment_id>/risks/new/", views.scenario_new, name="scenario_new"),
    path("<int:assessment_id>/plan/", views.plan, name="plan"),
    path("<int:assessment_id>/compare/", views.compare, name="compare"),
    path("<int:assessment_id>/heatmap.svg", views.heatmap, name="heatmap"),
    path("<int:assessment_id>/report.pdf", views.report_pdf, name="report"),
    path("<int:assessment_id>/<str:what>.<str:fmt>", views.export, name="export"),
    path("risks/<int:scenario_id>/", views.scenario, name="scenario"),
    path("plan-items/<int:item_id>/", views.plan_item, name="plan_item"),
]
