"""Root URLs: the browser pages, the REST API under /api/, Django admin under /admin/."""
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("api/", include("registry.api.urls")),
    path("admin/", admin.site.urls),
    path("", include("registry.web_urls")),
]
