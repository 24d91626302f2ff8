"""Throttling of programs: each token has its own budget (REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["token"]).

Browser sessions are not throttled here: a person clicking cannot flood the API, and login attempts
are limited by django-axes.
"""
from rest_framework.throttling import SimpleRateThrottle

from registry.models import ApiToken


class TokenRateThrottle(SimpleRateThrottle):
    """A rate of N requests a period, kept as one number per token (the generic cell rate algorithm):
    a token may spend its N requests at once, and earns them back at N a period.

    DRF's own throttle keeps the time of every request of the period and writes the list back on each
    request: at 6000/hour, 6000 numbers pickled twice a request, a cost growing with use. Here a request
    costs one read and one write of a number. Each request moves the token's "theoretical arrival
    time" one interval (period / N) later, starting from now when it lies in the past; a request that
    would move it more than a period ahead is refused.
    """

    scope = "token"

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        arrival = max(self.cache.get(self.key, self.now), self.now) + self.duration / self.num_requests
        self.ahead = arrival - self.now
        if self.ahead > self.duration:
            return False
        self.cache.set(self.key, arrival, self.duration)
        return True

    def wait(self):
        """Seconds until the token's next request is allowed."""
        return max(0.0, self.ahead - self.duration)
