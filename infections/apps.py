from django.apps import AppConfig


class InfectionsConfig(AppConfig):
    name = "infections"
    verbose_name = "Infections"
