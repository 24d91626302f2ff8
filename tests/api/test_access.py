"""Authentication and access management: tokens (issue, revoke, throttle), the token login and its
lockout, sessions, memberships, and the grant_access / issue_token commands."""
import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from registry.models import ApiToken, SiteMembership

pytestmark = pytest.mark.django_db


def _with_key(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_clinician_issues_a_token_and_sees_the_key_once(client_for, alice):
    client = client_for(alice)
    issued = client.post("/api/tokens/", {"name": "R scripts"}, format="json").json()
    assert issued["username"] == "alice" and len(issued["key"]) == 40
    assert _with_key(issued["key"]).get("/api/me/").json()["username"] == "alice"
    listed = client.get(f"/api/tokens/{issued['id']}/").json()
    assert "key" not in listed and listed["key_prefix"] == issued["key"][:8]
    assert not ApiToken.objects.filter(key_digest__contains=issued["key"]).exists()


def test_revoked_token_is_401(client_for, alice):
    client = client_for(alice)
    issued = client.post("/api/tokens/", {}, format="json").json()
    assert client.delete(f"/api/tokens/{issued['id']}/").status_code == 204
    response = _with_key(issued["key"]).get("/api/me/")
    assert response.status_code == 401 and response.json()["error"]["code"] == "authentication_failed"
    assert client.get(f"/api/tokens/{issued['id']}/").json()["active"] is False


def test_site_admin_issues_and_revokes_tokens_of_her_sites_users(client_for, erin, alice):
    client = client_for(erin)
    issued = client.post("/api/tokens/", {"username": "alice", "name": "sync"}, format="json").json()
    assert issued["username"] == "alice" and issued["created_by"] == "erin"
    assert client.delete(f"/api/tokens/{issued['id']}/").status_code == 204
    assert ApiToken.objects.get(pk=issued["id"]).revoked_by == erin


def test_site_admin_cannot_issue_a_token_for_a_user_who_also_works_elsewhere(client_for, erin, alice, site_b):
    SiteMembership.objects.create(user=alice, site=site_b, role="CLINICIAN")
    response = client_for(erin).post("/api/tokens/", {"username": "alice"}, format="json")
    assert response.status_code == 403
    assert not alice.api_tokens.filter(created_by=erin).exists()


def test_unknown_token_is_401(client, site_a):
    assert _with_key("x" * 40).get("/api/me/").status_code == 401


def test_tokens_are_throttled(client_for, alice, monkeypatch):
    from django.core.cache import cache

    from registry.api.throttling import TokenRateThrottle

    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"token": "3/minute"})
    cache.clear()
    client = client_for(alice)
    responses = [client.get("/api/me/") for _ in range(4)]
    cache.clear()
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    assert responses[-1].json()["error"]["code"] == "throttled" and int(responses[-1]["Retry-After"]) > 0


def test_a_throttled_token_earns_a_request_back_each_interval(alice, monkeypatch):
    from types import SimpleNamespace

    from django.core.cache import cache

    from registry.api.throttling import TokenRateThrottle
    from registry.tokens import token_issue

    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"token": "3/minute"})
    cache.clear()
    request, now = SimpleNamespace(auth=token_issue(issued_by=None, user=alice)[0]), [1000.0]

    def ask(at):
        now[0] = at
        throttle = TokenRateThrottle()
        throttle.timer = lambda: now[0]
        return throttle.allow_request(request, None), throttle.wait()

    # A burst of three, then one every 20 s; a refused request spends nothing.
    answers = [ask(at) for at in (1000, 1001, 1002, 1003, 1003.5, 1021, 1021.5, 1100, 1100, 1100, 1100)]
    cache.clear()
    assert [allowed for allowed, _ in answers] == [True, True, True, False, False, True, False, True, True, True, False]
    assert answers[3][1] == pytest.approx(17) and answers[6][1] == pytest.approx(18.5)


def test_login_for_a_token_with_the_right_password(client, alice):
    response = client.post("/api/auth/token/", {"username": "alice", "password": "alice-pass-123"})
    assert response.status_code == 201
    assert _with_key(response.json()["key"]).get("/api/me/").json()["username"] == "alice"


def test_login_locks_out_after_repeated_failures(client, alice, settings):
    from axes.utils import reset

    reset()
    statuses = [client.post("/api/auth/token/", {"username": "alice", "password": "wrong"}).status_code
                for _ in range(settings.AXES_FAILURE_LIMIT)]
    locked = client.post("/api/auth/token/", {"username": "alice", "password": "alice-pass-123"})
    reset()
    assert statuses[:-1] == [400] * (settings.AXES_FAILURE_LIMIT - 1)
    assert statuses[-1] == 429 and locked.status_code == 429
    assert locked.json()["error"]["code"] == "locked_out"


def test_session_login_rotates_the_session_and_logout_ends_it(client, alice):
    client.get("/api/auth/login/")
    before = client.cookies.get("sessionid")
    response = client.post("/api/auth/login/", {"username": "alice", "password": "alice-pass-123",
                                                 "next": "/api/me/"})
    assert response.status_code == 302
    after = client.cookies["sessionid"].value
    assert before is None or before.value != after
    assert client.get("/api/me/").json()["username"] == "alice"
    client.post("/api/auth/logout/")
    assert client.get("/api/me/").status_code in (401, 403)


def test_sessions_expire_after_30_idle_minutes(client, alice, settings):
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    assert settings.SESSION_COOKIE_AGE == 30 * 60 and settings.SESSION_SAVE_EVERY_REQUEST
    client.post("/api/auth/login/", {"username": "alice", "password": "alice-pass-123"})
    assert client.get("/api/me/").status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    assert client.get("/api/me/").status_code in (401, 403)


def test_session_login_locks_out_after_repeated_failures(client, alice, settings):
    from axes.utils import reset

    reset()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/api/auth/login/", {"username": "alice", "password": "wrong"})
    locked = client.post("/api/auth/login/", {"username": "alice", "password": "alice-pass-123"})
    reset()
    assert locked.status_code == 429
    assert client.get("/api/me/").status_code in (401, 403)


def test_site_admin_grants_a_role_and_it_is_audited(client_for, erin, site_a, carol):
    client = client_for(erin)
    response = client.post("/api/memberships/", {"username": "carol", "site_code": "SITE-A",
                                                  "role": "INVESTIGATOR"}, format="json")
    assert response.status_code == 201, response.json()
    membership = SiteMembership.objects.get(user=carol, site=site_a)
    changed = client.patch(f"/api/memberships/{membership.pk}/", {"deidentified_only": True}, format="json")
    assert changed.json() == {"id": membership.pk, "username": "carol", "site_code": "SITE-A",
                              "role": "INVESTIGATOR", "deidentified_only": True}
    history = client.get(f"/api/audit/memberships/?record={membership.pk}").json()["results"]
    assert [entry["who"] for entry in history] == ["erin", "erin"]
    assert {"field": "deidentified_only", "old": False, "new": True} in history[0]["changes"]


def test_site_admin_cannot_grant_at_another_site(client_for, erin, site_b, carol):
    response = client_for(erin).post("/api/memberships/", {"username": "carol", "site_code": "SITE-B",
                                                           "role": "ADMIN"}, format="json")
    assert response.status_code == 400 and "site_code" in response.json()["error"]["fields"]


def test_me_lists_roles_per_site(client_for, frank):
    body = client_for(frank).get("/api/me/").json()
    assert body["deidentified_only"] is True
    assert body["memberships"] == [{"site_code": "SITE-A", "role": "INVESTIGATOR", "deidentified_only": True}]


def test_grant_access_creates_the_user_and_the_membership(site_a, capsys):
    call_command("grant_access", "hana", "SITE-A", "investigator", "--password", "a-Long-passphrase-9",
                 "--deidentified-only")
    user = get_user_model().objects.get(username="hana")
    assert user.check_password("a-Long-passphrase-9")
    membership = user.memberships.get()
    assert (membership.site, membership.role, membership.deidentified_only) == (site_a, "INVESTIGATOR", True)
    assert "Created user hana is now INVESTIGATOR at SITE-A" in capsys.readouterr().out


def test_grant_access_changes_the_role_of_an_existing_user(alice, site_a):
    call_command("grant_access", "alice", "SITE-A", "ADMIN")
    assert alice.memberships.get().role == "ADMIN"
    assert alice.memberships.get().history.first().history_change_reason == "granted ADMIN"


def test_grant_access_to_an_unknown_site_is_a_clear_error(site_a):
    with pytest.raises(CommandError, match="No site has the code 'NOPE'. Known sites: SITE-A"):
        call_command("grant_access", "hana", "NOPE", "CLINICIAN")
    assert not get_user_model().objects.filter(username="hana").exists()


def test_grant_access_refuses_a_weak_password(site_a):
    with pytest.raises(CommandError, match="Password refused"):
        call_command("grant_access", "hana", "SITE-A", "CLINICIAN", "--password", "123")


def test_issue_token_prints_a_working_key(alice, capsys):
    call_command("issue_token", "alice")
    key = capsys.readouterr().out.strip()
    assert _with_key(key).get("/api/me/").json()["username"] == "alice"


def test_issue_token_for_an_unknown_user_is_a_clear_error(db):
    with pytest.raises(CommandError, match="No user 'nobody'"):
        call_command("issue_token", "nobody")
