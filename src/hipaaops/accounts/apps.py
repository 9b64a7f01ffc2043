from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "hipaaops.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from hipaaops.accounts import signals  # noqa: F401
