from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal.management.demo import DEMO_LOGINS, seed_demo


class Command(BaseCommand):
    help = "Load the demo organisations and one login per role (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DJANGO_DEBUG=0 (never on a production database).",
        )

    def handle(self, *args, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refusing to load demo data with DJANGO_DEBUG=0: demo logins share one known password. "
                "Use --force only on a throw-away database."
            )
        counts = seed_demo()
        # Each domain app adds its demo cases through its AppConfig, so the kernel imports none of them.
        for config in apps.get_app_configs():
            if hasattr(config, "seed_demo"):
                config.seed_demo()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {counts['organisations']} organisations, {counts['users']} demo users "
                f"({len(DEMO_LOGINS)} roles)."
            )
        )
