"""Staff login into an HttpOnly session cookie, logout, and the optional TOTP second factor.

The cookie (signed) holds a random session token and the CSRF token; the server keeps the
token's digest in staff_sessions, so logging out ends the session for every copy of the cookie.
"""

import io
import secrets

import pyotp
import segno
from flask import current_app, request, session
from flask.views import MethodView

from backoffice import database
from backoffice.auth import accounts, sessions
from backoffice.auth.errors import AuthenticationFailed, TooManyAttempts
from backoffice.auth.identity import authorize, client_ip, current
from backoffice.auth.login import LoginPolicy, login
from backoffice.auth.passwords import verify_password
from backoffice.auth.permissions import ROLE_PERMISSIONS, public, requires
from backoffice.redis_conn import redis
from backoffice.resources.auth.schemas import (
    LoginSchema,
    PasswordChangeSchema,
    SessionSchema,
    TotpCodeSchema,
    TotpSetupSchema,
)
from backoffice.resources.blueprint import Blueprint
from shared_models import audit
from shared_models.errors import InvalidValue, RuleViolation
from shared_models.models import Operator

blp = Blueprint("auth", __name__, url_prefix="/auth", description="Login and second factor")


def _session_body(operator: Operator) -> dict:
    return {"operator": operator, "csrf_token": session.get("csrf"),
            "permissions": sorted(ROLE_PERMISSIONS[operator.role])}


def _me() -> Operator:
    return database.session().get(Operator, authorize("self").operator_id)


def _start_session(operator: Operator) -> None:
    """A new server-side session for this browser; its token goes into the cookie."""
    token = sessions.start(database.session(), operator.id,
                           current_app.config["PERMANENT_SESSION_LIFETIME"], client_ip(),
                           request.user_agent.string)
    session.permanent = True
    session["sid"] = token
    session.setdefault("csrf", secrets.token_urlsafe(32))


@blp.route("/login")
class Login(MethodView):
    @public
    @blp.arguments(LoginSchema)
    @blp.response(200, SessionSchema)
    def post(self, data):
        """Log in with a password (and a one-time code): a session cookie and its CSRF token."""
        db = database.session()
        policy = LoginPolicy(current_app.config, redis())
        try:
            operator = login(db, policy, data["username"], data["password"], data["totp_code"],
                             client_ip())
        except (AuthenticationFailed, TooManyAttempts):
            database.commit_now()  # the failure and its log entry must survive the 401
            raise
        session.clear()  # nothing carries over from before the login (no fixation)
        _start_session(operator)
        return _session_body(operator)


@blp.route("/logout")
class Logout(MethodView):
    @requires("self")
    @blp.response(204)
    def post(self):
        """Log out: the session ends on the server."""
        audit.record(database.session(), "logout", "operators", _me().id)
        if "sid" in session:
            sessions.revoke(database.session(), session["sid"])
        session.clear()


@blp.route("/me")
class Me(MethodView):
    @requires("self")
    @blp.response(200, SessionSchema)
    def get(self):
        """Who is logged in: operator, role, sites and permissions."""
        return _session_body(_me())


@blp.route("/password")
class Password(MethodView):
    @requires("self")
    @blp.arguments(PasswordChangeSchema)
    @blp.response(204)
    def post(self, data):
        """Change one's own password (other sessions end)."""
        operator = _me()
        if not verify_password(operator.password_hash, data["current_password"]):
            raise RuleViolation("The current password is wrong.", field="current_password")
        try:  # the same rule as any password, named as this form names the field
            accounts.check_password_strength(data["new_password"])
        except InvalidValue as error:
            raise InvalidValue(error.message, field="new_password", **error.params) from error
        # Every session of the operator ends; this browser goes on in a new one (same CSRF token).
        accounts.save_operator(database.session(), {"password": data["new_password"]}, operator)
        if current().via == "session":
            _start_session(operator)


@blp.route("/totp/setup")
class TotpSetup(MethodView):
    @requires("self")
    @blp.response(200, TotpSetupSchema)
    def post(self):
        """Start enrolling a one-time-code app: a new secret and its QR URI."""
        operator = _me()
        if operator.totp_enabled:
            raise RuleViolation("The second factor is already on; turn it off first.")
        operator.totp_secret = pyotp.random_base32()
        uri = pyotp.TOTP(operator.totp_secret).provisioning_uri(name=operator.username,
                                                                issuer_name="Wattkeeper")
        # The QR drawn here, so the console needs no QR library and no third party sees the secret.
        drawn = io.BytesIO()
        segno.make(uri, error="m").save(drawn, kind="svg", xmldecl=False, scale=4, border=4)
        qr_svg = drawn.getvalue().decode("utf-8")
        return {"secret": operator.totp_secret, "provisioning_uri": uri, "qr_svg": qr_svg}


@blp.route("/totp/enable")
class TotpEnable(MethodView):
    @requires("self")
    @blp.arguments(TotpCodeSchema)
    @blp.response(204)
    def post(self, data):
        """Turn the second factor on with a code from the app."""
        operator = _me()
        if not operator.totp_secret or not pyotp.TOTP(operator.totp_secret).verify(
                data["code"], valid_window=1):
            raise RuleViolation("The one-time code is wrong.", field="code")
        operator.totp_enabled = True


@blp.route("/totp/disable")
class TotpDisable(MethodView):
    @requires("self")
    @blp.arguments(TotpCodeSchema)
    @blp.response(204)
    def post(self, data):
        """Turn the second factor off (needs a current code)."""
        operator = _me()
        if operator.totp_enabled and not pyotp.TOTP(operator.totp_secret).verify(
                data["code"], valid_window=1):
            raise RuleViolation("The one-time code is wrong.", field="code")
        operator.totp_enabled = False
        operator.totp_secret = ""
