from django.urls import path

from hipaaops.privacy import views

app_name = "privacy"

# Mounted at /o/<org_slug>/privacy/.
urlpatterns = [
    path("requests/", views.register, name="register"),
    path("requests/<int:request_id>/", views.request_view, name="request"),
    path("requests/<int:request_id>/extend/", views.extend, name="extend"),
    path("requests/<int:request_id>/fee/", views.fee, name="fee"),
    path("requests/<int:request_id>/respond/", views.respond, name="respond"),
    path("requests/<int:request_id>/restriction/", views.restriction, name="restriction"),
    path("requests/<int:request_id>/disagreement/", views.disagreement, name="disagreement"),
    path("requests/<int:request_id>/review/", views.review, name="review"),
    path("requests/<int:request_id>/attachments/", views.attach, name="attach"),
    path("requests/<int:request_id>/denial.pdf", views.denial_letter, name="denial_letter"),
    path("disclosures/", views.disclosures, name="disclosures"),
    path("complaints/", views.complaints, name="complaints"),
    path("notice/", views.notice, name="notice"),
    path("exports/<str:what>.<str:fmt>", views.export, name="export"),
]
