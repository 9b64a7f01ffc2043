from django.urls import path

from hipaaops.breaches import views

app_name = "breaches"

# Mounted at /o/<org_slug>/breaches/.
urlpatterns = [
    path("", views.record, name="record"),
    path("record.svg", views.record_svg, name="record_svg"),
]
