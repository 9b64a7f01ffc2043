from django.apps import AppConfig


class CatalogConfig(AppConfig):
    """The regulatory catalog: data in the package (``regulation/``), no models."""

    name = "hipaaops.catalog"
    label = "catalog"
    verbose_name = "Regulatory catalog"
