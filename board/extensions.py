"""Extensions, created unbound and bound to an app in the `register_*` steps."""

from flask import request
from flask_compress import Compress
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints so Alembic can alter them on every backend (SQLite batch mode included).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)


class TokenFirstLoginManager(LoginManager):
    """Flask-Login, except that a request `claims_request` accepts is judged by the request
    loader alone: a bearer token wins over any session or remember-me cookie."""

    claims_request = None

    def _load_user(self):
        if self.claims_request is not None and self.claims_request(request):
            return self._update_request_context_with_user(self._request_callback(request))
        return super()._load_user()


login_manager = TokenFirstLoginManager()
csrf = CSRFProtect()
compress = Compress()
