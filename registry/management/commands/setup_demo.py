from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from registry.choices import Role
from registry.flatfile.services import study_import
from registry.models import Site, Study
from registry.services import membership_grant

DEMO_FOLDERS = ("adult-blinatumomab", "pediatric-maintenance")
DEMO_USERS = (
    ("clinician", Role.CLINICIAN, "clinician-demo-2026"),
    ("investigator", Role.INVESTIGATOR, "investigator-demo-2026"),
    ("siteadmin", Role.ADMIN, "siteadmin-demo-2026"),
)


class Command(BaseCommand):
    help = "Load the two papers' studies as demo data and create one demo login per role."

    def handle(self, **options):
        from django.conf import settings

        folder = settings.BASE_DIR / "registry" / "demo_studies"
        for name in DEMO_FOLDERS:
            code = (folder / name / "study.csv").read_text().splitlines()[1].split(",")[0]
            if not Study.objects.filter(code=code).exists():
                study_import(user=None, folder=folder / name)
        users = get_user_model().objects
        for username, role, password in DEMO_USERS:
            user = users.filter(username=username).first() or users.create_user(username=username, password=password)
            for site in Site.objects.all():
                membership_grant(granted_by=None, user=user, site=site, role=role)
        if not users.filter(username="admin").exists():
            users.create_superuser(username="admin", password="admin-demo-2026")
        self.stdout.write("Demo logins (every demo site):")
        for username, role, password in DEMO_USERS:
            self.stdout.write(f"  {role.label:<40} {username} / {password}")
        self.stdout.write(f"  {'Superuser (Django admin)':<40} admin / admin-demo-2026")
