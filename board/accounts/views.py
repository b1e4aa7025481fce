"""Log in and out."""

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required, login_user, logout_user

from board.accounts.forms import LoginForm
from board.accounts.services import get_user_by_email

blueprint = Blueprint("accounts", __name__)


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    """Show the login form and sign a user in."""
    form = LoginForm()
    if form.validate_on_submit():
        user = get_user_by_email(form.email.data)
        if user is None or not user.active or not user.check_password(form.password.data):
            form.password.errors.append("Email or password is not right.")
        else:
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")))
    status = 422 if form.errors else 200
    return render_template("accounts/login.html", form=form), status


@blueprint.route("/logout", methods=["POST"])
@login_required
def logout():
    """Sign the user out."""
    logout_user()
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
