"""`grant_access USERNAME SITE_CODE ROLE [--password P] [--deidentified-only]`: the operator's way to let
someone in. Creates the user when needed; the membership goes through `membership_grant`, audited."""
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from registry.choices import Role
from registry.errors import RegistryError
from registry.models import Site
from registry.services import membership_grant


class Command(BaseCommand):
    help = "Give USERNAME the ROLE (CLINICIAN, INVESTIGATOR or ADMIN) at SITE_CODE, creating the user if needed."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("site_code")
        parser.add_argument("role", type=str.upper, choices=Role.values)
        parser.add_argument("--password", help="Set this password (a new user without one can only use tokens).")
        parser.add_argument("--deidentified-only", action="store_true",
                            help="Limit the user's exports to the de-identified profile.")

    def handle(self, username, site_code, role, password=None, deidentified_only=False, **options):
        site = Site.objects.filter(code=site_code).first()
        if site is None:
            known = ", ".join(Site.objects.values_list("code", flat=True)) or "none yet (import a study first)"
            raise CommandError(f"No site has the code {site_code!r}. Known sites: {known}.")
        with transaction.atomic():
            user, created = self._user(username, password)
            try:
                membership_grant(granted_by=None, user=user, site=site, role=role, deidentified_only=deidentified_only)
            except RegistryError as error:
                raise CommandError(error.message) from error
        action = "Created user" if created else "User"
        limited = " (de-identified exports only)" if deidentified_only else ""
        self.stdout.write(self.style.SUCCESS(f"{action} {username} is now {role} at {site.code}{limited}."))

    def _user(self, username: str, password: str | None):
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        created = user is None
        if created:
            user = User(username=username)
        if password is not None:
            try:
                validate_password(password, user)
            except ValidationError as error:
                raise CommandError("Password refused: " + " ".join(error.messages)) from error
            user.set_password(password)
        elif created:
            user.set_unusable_password()
        user.save()
        return user, created
