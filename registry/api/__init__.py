"""The REST API (Django REST framework), mounted under /api/."""
