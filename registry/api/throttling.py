"""Throttling of programs: each token has its own budget (REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["token"]).

Browser sessions are not throttled here: a person clicking cannot flood the API, and login attempts
are limited by django-axes.
"""
from rest_framework.throttling import SimpleRateThrottle

from registry.models import ApiToken


class TokenRateThrottle(SimpleRateThrottle):
    scope = "token"

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
