"""Log in and out."""

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from board.accounts import services
from board.accounts.forms import LoginForm
from board.accounts.models import Role, User
from board.accounts.permissions import EVERYONE, require_roles
from board.common.forms import Refusal, perform
from board.common.models import get_or_404
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


@blueprint.route("/account/password", methods=["GET", "POST"])
@require_roles(*EVERYONE)
def password_change():
    """Change your own password: every session of yours ends, this browser gets a new one."""
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        user = db.session.get(User, current_user.id)
        form = request.form
        done = perform(
            lambda: services.change_own_password(
                user, form.get("current_password", ""), form.get("password", "")
            )
        )
        if done.refusal is None:
            secret = services.start_login_session(user, request.remote_addr or "")
            db.session.commit()
            session.clear()
            session["login_session"] = secret
            login_user(user)
            flash("Password changed; your other sessions have ended.")
            return redirect(url_for("dashboard.home"))
        errors = done.refusal.errors
    return render_template("accounts/password.html", errors=errors), 422 if errors else 200


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


# --- user administration (admins) ---------------------------------------------------------


def optional_id(value: str | None) -> int | None:
    """A form's optional row id; anything that is not a number counts as none."""
    return int(value) if value and value.strip().isdigit() else None


def render_users(refusal: Refusal | None = None, form: dict | None = None):
    """Every account, the emails locked by failed logins, and the form for a new user."""
    return render_template(
        "accounts/users.html",
        users=services.list_users(),
        locked=services.list_locked_logins(),
        roles=[(role.value, role.label) for role in Role],
        form=form or {"role": "coordinator"},
        errors=refusal.errors if refusal and refusal.status == 422 else {},
        message=refusal.message if refusal else "",
    ), (refusal.status if refusal else 200)


@blueprint.route("/users")
@require_roles(Role.ADMIN)
def user_list():
    """Accounts and locked logins."""
    return render_users()


@blueprint.route("/users", methods=["POST"])
@require_roles(Role.ADMIN)
def user_create():
    """Create an account; the password must pass the policy."""
    form = request.form
    done = perform(
        lambda: services.create_user(
            form.get("email", ""),
            form.get("role", ""),
            form.get("password", ""),
            name=form.get("name", "").strip()[:120],
            specialist_id=optional_id(form.get("specialist_id")),
        )
    )
    if done.refusal:
        typed = {key: form.get(key) for key in ("email", "name", "role", "specialist_id")}
        return render_users(done.refusal, typed)
    flash(f"Account {done.result.email} created.")
    return redirect(url_for("accounts.user_list"))


def render_user(user: User, refusal: Refusal | None = None):
    """One account: role, name, active state, and a password reset."""
    return render_template(
        "accounts/user.html",
        user=user,
        roles=[(role.value, role.label) for role in Role],
        errors=refusal.errors if refusal and refusal.status == 422 else {},
        message=refusal.message if refusal else "",
    ), (refusal.status if refusal else 200)


@blueprint.route("/users/<int:user_id>")
@require_roles(Role.ADMIN)
def user_page(user_id: int):
    """One account."""
    return render_user(get_or_404(User, user_id))


@blueprint.route("/users/<int:user_id>", methods=["POST"])
@require_roles(Role.ADMIN)
def user_save(user_id: int):
    """Change role, name or active state; a role change or disabling ends their sessions."""
    user = get_or_404(User, user_id)
    form = request.form
    role = form.get("role", user.role.value)
    if role not in {r.value for r in Role}:
        role = user.role.value
    changes = {
        "name": form.get("name", user.name).strip()[:120],
        "role": Role(role),
        "active": "active" in form,
        "specialist_id": optional_id(form.get("specialist_id")),
    }
    done = perform(
        lambda: services.change_user(user, changes, acting_user_id=current_user.id),
        versioned=user,
    )
    if done.refusal:
        return render_user(db.session.get(User, user_id), done.refusal)
    flash(f"Account {user.email} saved.")
    return redirect(url_for("accounts.user_page", user_id=user_id))


@blueprint.route("/users/<int:user_id>/password", methods=["POST"])
@require_roles(Role.ADMIN)
def user_password(user_id: int):
    """Set a new password for the account; every session of theirs ends."""
    user = get_or_404(User, user_id)
    done = perform(lambda: services.set_user_password(user, request.form.get("password", "")))
    if done.refusal:
        return render_user(db.session.get(User, user_id), done.refusal)
    flash(f"New password set for {user.email}; their sessions have ended.")
    return redirect(url_for("accounts.user_page", user_id=user_id))


@blueprint.route("/users/unlock", methods=["POST"])
@require_roles(Role.ADMIN)
def user_unlock():
    """Let an email locked by failed logins try again at once."""
    email = request.form.get("email", "")
    perform(lambda: services.unlock_login(email))
    flash(f"{email} may log in again.")
    return redirect(url_for("accounts.user_list"))
