"""Organisation administration: units as a tree, users, roles per unit with validity dates, file import.

Every change goes through an :class:`Editor` (who is acting, over which units) and is written to the
administration change log (``admin_changes``) in the same transaction. The engine never commits; the
caller does (one command, one transaction).
"""
from engine.orgadmin.changes import CLI, Editor, editor_for, record
from engine.orgadmin.units import add_unit, close_unit, update_unit
from engine.orgadmin.users import (add_user, change_password, deactivate, grant, reactivate, reset_password, revoke,
                                   update_user)

__all__ = ["Editor", "CLI", "editor_for", "record", "add_unit", "update_unit", "close_unit", "add_user",
           "update_user", "deactivate", "reactivate", "reset_password", "change_password", "grant", "revoke"]
