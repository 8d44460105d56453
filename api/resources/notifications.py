"""My notification inbox: deadline warnings, overdue alerts, 催办单/督办单/通报."""
from __future__ import annotations

from flask_smorest import Blueprint

from api.auth import current_actor, require_auth, writes
from api.db import session
from api.schemas.deadlines import InboxArgs, InboxSchema, NotificationSchema, ReadAllSchema
from engine import clock
from engine.deadlines import notifications

blp = Blueprint("notifications", __name__, url_prefix="/api/v1/notifications", description="Notification inbox")
blp.before_request(require_auth)


@blp.route("")
@blp.arguments(InboxArgs, location="query")
@blp.response(200, InboxSchema)
def mine(args):
    """My notifications, newest first (page with ``before_id``), and my unread count."""
    uid = current_actor().user_id
    items = notifications.inbox(session(), uid, unread_only=args["unread"], kind=args.get("kind"),
                                limit=args["limit"], before_id=args.get("before_id"))
    return {"items": items, "unread": notifications.unread_count(session(), uid)}


@blp.route("/<int(max=2147483647):notification_id>/read", methods=["POST"])
@blp.response(200, NotificationSchema)
@writes
def read(notification_id):
    """Mark one of my notifications read."""
    return notifications.mark_read(session(), current_actor().user_id, notification_id, clock.now())


@blp.route("/read-all", methods=["POST"])
@blp.response(200, ReadAllSchema)
@writes
def read_all():
    """Mark all my notifications read."""
    return {"marked": notifications.mark_all_read(session(), current_actor().user_id, clock.now())}
