from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """Privacy Rule operations (45 CFR 164.520-164.530): individuals' rights and their clocks."""

    name = "hipaaops.privacy"
    label = "privacy"
    verbose_name = "Privacy Rule operations"
