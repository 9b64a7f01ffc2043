"""Serve the web application with gunicorn (TLS belongs to the proxy in front)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve hipaaops with gunicorn on HOST:PORT. Put a TLS-terminating proxy in front."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)"
        )
        parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
        parser.add_argument("--threads", type=int, default=4, help="threads per worker")
        parser.add_argument(
            "--no-collectstatic", action="store_true", help="skip collecting static files first"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from gunicorn.app.base import BaseApplication

        from hipaaops.wsgi import application

        if not settings.DEVELOPMENT and not options["no_collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        address = f"{options['host']}:{options['port']}"
        config = {
            "bind": address,
            "workers": options["workers"],
            "threads": options["threads"],
            "accesslog": "-",
            "errorlog": "-",
            "forwarded_allow_ips": "*" if settings.TRUST_X_FORWARDED else "127.0.0.1",
            "timeout": 120,
        }

        class App(BaseApplication):
            def load_config(self) -> None:
                for key, value in config.items():
                    self.cfg.set(key, value)

            def load(self) -> Any:
                return application

        self.stdout.write(f"hipaaops is serving on http://{address}/")
        if settings.DEVELOPMENT:
            from hipaaops.core.demo import sign_in_hint

            hint = sign_in_hint()
            if hint:
                self.stdout.write(hint)
        self.stdout.flush()
        App().run()
