"""Use cases of API tokens: issue one (the key is shown once), revoke one, find the token of a key.

Only the SHA-256 digest of a key is stored, so a copy of the database does not give API access.
"""
from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import QuerySet
from django.utils import timezone

from registry import access
from registry.choices import Role
from registry.errors import AccessDenied
from registry.models import ApiToken, SiteMembership
from registry.prepared import PreparedRead, read_together

User = get_user_model()
KEY_BYTES = 30  # 40 URL-safe characters, 240 bits of entropy


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def administered_user_ids(user) -> QuerySet:
    """Users holding a membership at a site where `user` is site admin (everyone for a superuser)."""
    if user.is_superuser:
        return User.objects.values("id")
    sites = access.site_ids_where(user, (Role.ADMIN,))
    return User.objects.filter(memberships__site_id__in=sites).values("id")


def tokens_visible_to(user) -> QuerySet[ApiToken]:
    """A user's own tokens, and those of the users at the sites they administer."""
    if not user.is_authenticated:
        return ApiToken.objects.none()
    mine = ApiToken.objects.filter(user=user)
    theirs = ApiToken.objects.filter(user_id__in=administered_user_ids(user))
    return (mine | theirs).distinct().select_related("user", "created_by", "revoked_by")


def _must_manage(actor, owner, *, issuing: bool) -> None:
    """Owners and superusers manage their tokens; a site admin revokes those of her sites' users, and
    issues one only for a user whose every site she administers (a key carries all its owner's access)."""
    if actor.pk == owner.pk or actor.is_superuser:
        return
    if not administered_user_ids(actor).filter(id=owner.pk).exists():
        raise AccessDenied("Only the token's owner and admins of the owner's sites manage it.")
    if issuing:
        administered = access.site_ids_where(actor, (Role.ADMIN,))
        if owner.is_superuser or owner.memberships.exclude(site_id__in=administered).exists():
            raise AccessDenied("This user also works at sites you do not administer; they issue their own token.")


def token_issue(*, issued_by, user, name: str = "") -> tuple[ApiToken, str]:
    """A new token of `user`; returns it with its key, which is never shown again.

    `issued_by` is None for the command line (the operator of the machine).
    """
    if issued_by is not None:
        _must_manage(issued_by, user, issuing=True)
    key = secrets.token_urlsafe(KEY_BYTES)
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name, key_prefix=key[:8], key_digest=digest(key),
                                        created_by=issued_by)
    return token, key


def token_revoke(*, revoked_by, token: ApiToken) -> ApiToken:
    _must_manage(revoked_by, token.user, issuing=False)
    if token.revoked_at is None:
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by=revoked_by
        )
        token.refresh_from_db()
    return token


# Every API request of a program reads its token, the token's user and the user's memberships (which
# every access question of the request needs): prepared reads (registry.prepared), in one round trip.
_TOKEN_FIELDS = [field.attname for field in ApiToken._meta.concrete_fields]
_USER_FIELDS = [field.attname for field in User._meta.concrete_fields]
_LIVE_TOKEN = PreparedRead(
    lambda key_digest: ApiToken.objects.filter(key_digest=key_digest, revoked_at__isnull=True).order_by()
    .values_list(*_TOKEN_FIELDS, *(f"user__{name}" for name in _USER_FIELDS)), "not-a-digest")
_MEMBERSHIPS_OF_KEY = PreparedRead(
    lambda key_digest: SiteMembership.objects.filter(user__api_tokens__key_digest=key_digest).order_by()
    .values_list(*access.MEMBERSHIP_COLUMNS), "not-a-digest")


def token_for_key(key: str) -> ApiToken | None:
    """The live token of `key` with its user, or None (unknown, revoked, or its user inactive)."""
    return token_and_rows(key)[0]


def token_and_rows(key: str, *reads: tuple[PreparedRead, tuple]) -> tuple[ApiToken | None, list[list[tuple]]]:
    """`token_for_key(key)`, and the rows of further `reads` made in the same round trip (a request
    that knows what it will read saves one)."""
    key_digest = digest(key)
    tokens, memberships, *rows = read_together((_LIVE_TOKEN, (key_digest,)), (_MEMBERSHIPS_OF_KEY, (key_digest,)),
                                               *reads)
    if not tokens:
        return None, rows
    split = len(_TOKEN_FIELDS)
    token = ApiToken.from_db(DEFAULT_DB_ALIAS, _TOKEN_FIELDS, tokens[0][:split])
    token.user = User.from_db(DEFAULT_DB_ALIAS, _USER_FIELDS, tokens[0][split:])
    if not token.user.is_active:
        return None, rows
    access.remember_memberships(token.user, memberships)
    _note_use(token)
    return token, rows


def _note_use(token: ApiToken) -> None:
    # At most one write every few minutes per token: "last used" is for humans, not for accounting.
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 300:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
