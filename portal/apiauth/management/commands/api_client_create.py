from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from portal.accounts.models import Organisation
from portal.apiauth.services import api_client_create


class Command(BaseCommand):
    help = (
        "Register a partner system as an API client acting with ROLE in an organisation (id or credit "
        "code); prints its client id and secret, which is not stored and cannot be shown again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--organisation", required=True, help="The organisation's id or credit code.")
        parser.add_argument(
            "--role", required=True, help="e.g. bank_officer, bank_manager, promotion_officer"
        )
        parser.add_argument("--name", required=True, help="The system, e.g. 'core banking gateway'.")

    def handle(self, *args, organisation, role, name, **options):
        lookup = {"pk": int(organisation)} if organisation.isdigit() else {"uscc": organisation.upper()}
        found = Organisation.objects.filter(is_active=True, **lookup).first()
        if found is None:
            raise CommandError(f"No active organisation {organisation!r}")
        try:
            client, secret = api_client_create(organisation=found, role=role, name=name, actor=None)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        self.stdout.write(f"client_id={client.client_id}\nclient_secret={secret}")
