from django.urls import path

from hipaaops.organizations import views

app_name = "organizations"

urlpatterns = [
    path("members/", views.members, name="members"),
    path("members/<int:membership_id>/role/", views.member_role, name="member_role"),
    path("members/<int:membership_id>/remove/", views.member_remove, name="member_remove"),
    path("settings/", views.settings_view, name="settings"),
    path("emergency-access/", views.emergency, name="emergency"),
    path("emergency-access/<int:grant_id>/", views.emergency_detail, name="emergency_detail"),
    path("emergency-access/<int:grant_id>/end/", views.emergency_end, name="emergency_end"),
]
