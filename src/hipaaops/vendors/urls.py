from django.urls import path

from hipaaops.vendors import views

app_name = "vendors"

# Mounted at /o/<org_slug>/vendors/.
urlpatterns = [
    path("", views.vendors, name="vendors"),
    path("<int:vendor_id>/", views.vendor, name="vendor"),
    path("<int:vendor_id>/edit/", views.vendor_edit, name="vendor_edit"),
    path("<int:vendor_id>/determination/", views.determine, name="determine"),
    path("<int:vendor_id>/agreements/", views.agreement_new, name="agreement_new"),
    path("<int:vendor_id>/review/", views.send_review, name="send_review"),
    path("<int:vendor_id>/offboard/", views.offboard, name="offboard"),
    path("agreements/", views.agreements, name="agreements"),
    path("agreements/<int:agreement_id>/", views.agreement, name="agreement"),
    path("agreements/<int:agreement_id>/terms/", views.agreement_terms, name="agreement_terms"),
    path("agreements/<int:agreement_id>/stage/", views.agreement_stage, name="agreement_stage"),
    path(
        "agreements/<int:agreement_id>/provisions/",
        views.agreement_provisions,
        name="agreement_provisions",
    ),
    path(
        "agreements/<int:agreement_id>/documents/",
        views.agreement_document,
        name="agreement_document",
    ),
    path(
        "agreements/<int:agreement_id>/terminate/",
        views.agreement_terminate,
        name="agreement_terminate",
    ),
    path(
        "agreements/<int:agreement_id>/disposition/",
        views.agreement_disposition,
        name="agreement_disposition",
    ),
    path(
        "agreements/<int:agreement_id>/verifications/",
        views.agreement_verification,
        name="agreement_verification",
    ),
    path("agreements/register.<str:fmt>", views.export, name="export"),
    path("reviews/<int:review_id>/", views.review, name="review"),
    path("gaps/", views.gaps, name="gaps"),
    path("chain/", views.chain, name="chain"),
    path("chain.svg", views.chain_svg, name="chain_svg"),
]
