from django.urls import path

from hipaaops.inventory import views

app_name = "inventory"

# Mounted at /o/<org_slug>/inventory/.
urlpatterns = [
    path("", views.assets, name="assets"),
    path("assets/<int:asset_id>/", views.asset, name="asset"),
    path("assets/<int:asset_id>/edit/", views.asset_edit, name="asset_edit"),
    path("assets/<int:asset_id>/dispose/", views.asset_dispose, name="asset_dispose"),
    path("flows/", views.flows, name="flows"),
    path("flows/<int:flow_id>/", views.flow, name="flow"),
    path("observations/", views.observations, name="observations"),
    path("map/", views.data_map, name="map"),
    path("map.svg", views.map_svg, name="map_svg"),
    path("<str:what>.<str:fmt>", views.export, name="export"),
]
