"""Logging in, and the start page that sends each role where it works (registry/views/home.py)."""
from django.contrib.auth import get_user_model


def test_the_login_page_renders_under_the_csp_with_no_inline_script(client, db):
    response = client.get("/login/")
    assert response.status_code == 200
    assert "Content-Security-Policy" in response.headers
    assert b"<script>" not in response.content and b'style="' not in response.content


def test_a_visitor_is_sent_to_log_in(client, db):
    response = client.get("/patients/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_alice_logs_in_with_her_password_and_lands_on_her_patients(client, alice):
    response = client.post("/login/", {"username": "alice", "password": "alice-pass-123"}, follow=True)
    assert response.redirect_chain[-1][0] == "/patients/"


def test_a_wrong_password_says_so_and_logs_nobody_in(client, alice):
    response = client.post("/login/", {"username": "alice", "password": "nope"})
    assert response.status_code == 200
    assert b"correct username and password" in response.content
    assert "_auth_user_id" not in client.session


def test_bob_the_investigator_starts_at_the_dashboard_of_his_only_study(login, bob_at_msh):
    response = login(bob_at_msh).get("/")
    assert response["Location"] == "/studies/ADULT-BLINA-IVIG/"


def test_dave_of_site_b_is_not_sent_to_a_study_of_site_a(login, dave, imported_studies):
    response = login(dave).get("/")
    assert response["Location"] == "/studies/"
    assert b"ADULT-BLINA-IVIG" not in login(dave).get("/studies/").content


def test_a_user_without_any_role_is_told_to_ask_for_access(login, db):
    nobody = get_user_model().objects.create_user("nobody", password="nobody-pass-123")
    response = login(nobody).get("/")
    assert response.status_code == 200 and b"No site access yet" in response.content


def test_the_superuser_starts_at_the_admin_overview(login, admin_user):
    response = login(admin_user).get("/", follow=True)
    assert response.redirect_chain[-1][0] == "/admin/"
    assert b"Registry overview" in response.content


def test_logging_out_needs_a_post_and_ends_the_session(login, alice):
    client = login(alice)
    client.post("/logout/")
    assert client.get("/patients/").status_code == 302
