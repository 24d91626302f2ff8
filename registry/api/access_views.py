"""Who may use the API: the caller's own access (`me`), site memberships (site admins), API tokens
(owners and the admins of their sites), and the token login that django-axes guards.
"""
from __future__ import annotations

from django.contrib.auth import authenticate, get_user_model
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from registry import access
from registry.choices import Role
from registry.models import ApiToken, Site, SiteMembership
from registry.services import membership_grant

from .fields import CodeField, DescribedModelSerializer
from .permissions import AdministersASite
from registry.selectors import memberships_visible_to
from registry.tokens import token_issue, token_revoke, tokens_visible_to
from .viewsets import ScopedViewSet

User = get_user_model()


def _administered_sites(user):
    return Site.objects.filter(id__in=access.site_ids_where(user, (Role.ADMIN,)))


class MembershipSerializer(DescribedModelSerializer):
    username = serializers.SlugRelatedField(slug_field="username", source="user",
                                            queryset=User.objects.filter(is_active=True),
                                            help_text="The user given the role (an existing account).")
    site_code = CodeField(_administered_sites, source="site", help_text="A site you administer.")

    class Meta:
        model = SiteMembership
        fields = ("id", "username", "site_code", "role", "deidentified_only")
        validators = []  # one role per user and site: granting again replaces the role (membership_grant)


class MembershipUpdateSerializer(MembershipSerializer):
    username = serializers.CharField(source="user.username", read_only=True, help_text="The user.")
    site_code = CodeField(source="site", help_text="The site.")


@extend_schema_view(
    list=extend_schema(summary="Memberships at the sites you administer"),
    retrieve=extend_schema(summary="One membership"),
    create=extend_schema(summary="Grant a user a role at a site (replaces their previous role there)"),
    update=extend_schema(summary="Change a membership's role"),
    partial_update=extend_schema(summary="Change some of a membership's settings"),
)
class MembershipViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                        mixins.UpdateModelMixin, ScopedViewSet):
    """Who holds which role at the sites you administer (site admins and superusers only). Every grant
    goes through `membership_grant` and is audited (see /api/audit/memberships/)."""

    selector = memberships_visible_to
    permission_classes = (IsAuthenticated, AdministersASite)
    filterset_fields = ()
    ordering_fields = ("id",)

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return MembershipUpdateSerializer
        return MembershipSerializer

    def perform_create(self, serializer):
        serializer.instance = membership_grant(granted_by=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        membership = serializer.instance
        values = {"role": membership.role, "deidentified_only": membership.deidentified_only,
                  **serializer.validated_data}
        serializer.instance = membership_grant(granted_by=self.request.user, user=membership.user,
                                               site=membership.site, role=values["role"],
                                               deidentified_only=values["deidentified_only"])


class TokenSerializer(DescribedModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True, help_text="The token's owner.")
    created_by = serializers.CharField(source="created_by.username", read_only=True, allow_null=True,
                                       help_text="Who issued it (null: the command line).")
    revoked_by = serializers.CharField(source="revoked_by.username", read_only=True, allow_null=True,
                                       help_text="Who revoked it.")
    active = serializers.SerializerMethodField(help_text="The token still authenticates.")

    class Meta:
        model = ApiToken
        fields = ("id", "name", "username", "key_prefix", "created_at", "created_by", "last_used_at", "revoked_at",
                  "revoked_by", "active")
        read_only_fields = fields
        extra_kwargs = {
            "created_at": {"help_text": "When it was issued (UTC)."},
            "last_used_at": {"help_text": "When it last authenticated a request (to a few minutes)."},
            "revoked_at": {"help_text": "When it was revoked (null: active)."},
        }

    def get_active(self, token) -> bool:
        return token.revoked_at is None


class TokenRequestSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False, default="", allow_blank=True,
                                 help_text="What the token is for.")
    username = serializers.SlugRelatedField(
        slug_field="username", queryset=User.objects.filter(is_active=True), required=False,
        help_text="Whose token (site admins: a user of your sites); yourself when omitted.")


class IssuedTokenSerializer(TokenSerializer):
    key = serializers.CharField(read_only=True, help_text="The key; shown once, never again.")

    class Meta(TokenSerializer.Meta):
        fields = (*TokenSerializer.Meta.fields, "key")
        read_only_fields = fields


def _issued(token: ApiToken, key: str) -> dict:
    token.key = key  # held by this response only; the database keeps the digest
    return IssuedTokenSerializer(token).data


@extend_schema_view(
    list=extend_schema(summary="Your API tokens (and those of the users of sites you administer)"),
    retrieve=extend_schema(summary="One API token"),
    create=extend_schema(summary="Issue an API token", request=TokenRequestSerializer,
                         responses={201: IssuedTokenSerializer}),
    destroy=extend_schema(summary="Revoke an API token", responses={204: None}),
)
class TokenViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                   mixins.DestroyModelMixin, ScopedViewSet):
    """API tokens for programs: `Authorization: Token <key>`. Owners and the admins of the owner's
    sites issue and revoke them; the key is shown once, at issue. Revoked tokens stay listed."""

    selector = tokens_visible_to
    serializer_class = TokenSerializer
    permission_classes = (IsAuthenticated,)
    filterset_fields = ()
    ordering_fields = ("id", "created_at")

    def create(self, request, *args, **kwargs):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        owner = serializer.validated_data.get("username") or request.user
        token, key = token_issue(issued_by=request.user, user=owner, name=serializer.validated_data["name"])
        return Response(_issued(token, key), status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        token_revoke(revoked_by=self.request.user, token=instance)


class LoginSerializer(serializers.Serializer):
    username = serializers.CharField(help_text="Your username.")
    password = serializers.CharField(style={"input_type": "password"}, help_text="Your password.")
    name = serializers.CharField(max_length=100, required=False, default="", allow_blank=True,
                                 help_text="What the new token is for.")


class LockedOut(exceptions.APIException):
    status_code = 429
    default_code = "locked_out"
    default_detail = "Too many failed logins: this account is locked for a while."


class TokenLoginView(APIView):
    """Exchange a username and password for a new API token. Repeated failures lock the account
    (django-axes): further attempts get a 429 until the cool-off ends."""

    permission_classes = (AllowAny,)
    authentication_classes = ()
    throttle_classes = ()

    @extend_schema(summary="Log in for a token", request=LoginSerializer, responses={201: IssuedTokenSerializer},
                   auth=[])
    def post(self, request):
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        django_request = request._request
        user = authenticate(django_request, username=values["username"], password=values["password"])
        if getattr(django_request, "axes_locked_out", False):
            # Answer in the API's envelope; AxesMiddleware would otherwise swap in its HTML page.
            django_request.axes_locked_out = False
            raise LockedOut()
        if user is None:
            raise exceptions.ValidationError({"non_field_errors": ["Invalid username or password."]})
        token, key = token_issue(issued_by=user, user=user, name=values["name"] or "login")
        return Response(_issued(token, key), status=status.HTTP_201_CREATED)


class AccessSerializer(serializers.Serializer):
    site_code = serializers.CharField(help_text="The site.")
    role = serializers.ChoiceField(choices=Role.choices, help_text="Your role there.")
    deidentified_only = serializers.BooleanField(help_text="Your exports are de-identified.")


class MeSerializer(serializers.Serializer):
    username = serializers.CharField(help_text="Your username.")
    is_superuser = serializers.BooleanField(help_text="You see every site.")
    deidentified_only = serializers.BooleanField(help_text="All your exports are de-identified and "
                                                           "patient-level endpoints are closed to you.")
    memberships = AccessSerializer(many=True, help_text="Your role at each of your sites.")


class MeView(APIView):
    """Who you are to the registry: your roles per site."""

    @extend_schema(summary="Your access", responses=MeSerializer)
    def get(self, request):
        user = request.user
        memberships = [{"site_code": m.site.code, "role": m.role, "deidentified_only": m.deidentified_only}
                       for m in user.memberships.select_related("site").order_by("site__code")]
        return Response(MeSerializer({"username": user.get_username(), "is_superuser": user.is_superuser,
                                      "deidentified_only": access.is_deidentified_only(user),
                                      "memberships": memberships}).data)
