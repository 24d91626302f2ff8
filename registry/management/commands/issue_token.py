"""`issue_token USERNAME [--name NAME]`: print a new API token of USERNAME (only the key, for scripts)."""
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from registry.tokens import token_issue


class Command(BaseCommand):
    help = "Issue a new API token for USERNAME and print its key (shown once; only a digest is stored)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="command line", help="What the token is for.")

    def handle(self, username, name, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}; create one with grant_access.")
        if not user.is_active:
            raise CommandError(f"User {username!r} is inactive.")
        _, key = token_issue(issued_by=None, user=user, name=name)
        self.stdout.write(key)
