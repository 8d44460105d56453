"""The signed-in user's own account: change password (required after an administrator's reset)."""
from __future__ import annotations

from flask_smorest import Blueprint

from api.auth import current_user, require_auth
from api.db import commit, session
from api.schemas.admin import PasswordChangeSchema
from engine import orgadmin

blp = Blueprint("account", __name__, url_prefix="/api/v1/account", description="My account")
blp.before_request(require_auth)


@blp.route("/password", methods=["POST"])
@blp.arguments(PasswordChangeSchema)
@blp.response(204)
def change_password(body):
    """Set a new password (at least 10 characters with letters and digits). Needed before anything else
    after an administrator reset the password."""
    orgadmin.change_password(session(), current_user(), body["current_password"], body["new_password"])
    commit()
