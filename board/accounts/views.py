"""Log in and out."""

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import login_required, login_user, logout_user

from board.accounts import services
from board.accounts.forms import LoginForm
from board.extensions import db

blueprint = Blueprint("accounts", __name__)

THROTTLED = "Too many failed logins. Wait 15 minutes, or ask an administrator to unlock it."


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    """Show the login form and sign a user in; too many failures lock the email and address."""
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        email, address = form.email.data, request.remote_addr or ""
        throttled = services.is_login_throttled(email, address)
        # Checked even when throttled, so a locked or unknown email answers as slowly.
        user = services.check_login(email, form.password.data)
        if throttled:
            form.password.errors.append(THROTTLED)
            status = 429
        elif user is None:
            services.record_login_attempt(email, address, "failure")
            db.session.commit()
            form.password.errors.append("Email or password is not right.")
            status = 422
        else:
            services.record_login_attempt(email, address, "success")
            secret = services.start_login_session(user, address)
            db.session.commit()
            # A new session at login: nothing from before (the CSRF token included) survives.
            session.clear()
            session["login_session"] = secret
            login_user(user)
            return redirect(safe_next(request.args.get("next")))
    elif form.errors:
        status = 422
    return render_template("accounts/login.html", form=form), status


@blueprint.route("/logout", methods=["POST"])
@login_required
def logout():
    """Sign the user out: the server-side session ends, so a copied cookie opens nothing."""
    if secret := session.get("login_session"):
        services.end_login_session(secret)
        db.session.commit()
    logout_user()
    session.clear()
    flash("You are logged out.")
    return redirect(url_for("accounts.login"))


def safe_next(target: str | None) -> str:
    """Only follow `next` within this site, never to another host."""
    # Browsers read a backslash as a slash and drop tabs and newlines, so `/\evil.org`
    # would leave the site: refuse them along with anything else unprintable.
    if (
        target
        and target.isprintable()
        and "\\" not in target
        and not urlsplit(target).netloc
        and target.startswith("/")
        and "//" not in target
    ):
        return target
    return url_for("dashboard.home")
