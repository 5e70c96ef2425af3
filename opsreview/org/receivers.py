"""What the audit log hears without being asked: sign-ins, lock-outs and privilege changes.

Connected in OpsreviewConfig.ready(). Saves through QuerySet.update() send no signals; the
project changes users only through the admin and model saves.
"""

from axes.signals import user_locked_out
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import m2m_changed, post_save, pre_save

from .audit import audit_record
from .models import AuditAction
from .selectors import sign_in_failures

PRIVILEGE_FIELDS = {"is_active": "active", "is_staff": "staff", "is_superuser": "superuser"}
GRANTED_ON_CREATION = ("is_staff", "is_superuser")


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def sign_in_failed(sender, credentials: dict, request=None, **kwargs) -> None:
    """Django's failed sign-in (the password is never read: Django has already masked it)."""
    username = credentials.get(get_user_model().USERNAME_FIELD) or ""
    # django-axes marks a refused try as locked out before any failure is counted for it.
    refused = getattr(request, "axes_locked_out", False) and (
        getattr(request, "axes_failures_since_start", None) is None
    )
    detail = "Refused: sign-in is locked." if refused else "Wrong username or password."
    audit_record(AuditAction.SIGN_IN_FAILED, actor=str(username), detail=detail, request=request)


def locked_out(sender, request, username=None, ip_address=None, **kwargs) -> None:
    """django-axes locked an account or address; it also says so on each later try, ignored."""
    if getattr(request, "axes_failures_since_start", None) is None:
        return
    account, address = sign_in_failures(username=username, ip_address=ip_address)
    limit = settings.AXES_FAILURE_LIMIT
    reasons = [
        f"{account} failed sign-ins for this account" if account >= limit else "",
        f"{address} failed sign-ins from {ip_address}" if address >= limit else "",
    ]
    detail = (
        f"Locked for {settings.LOGIN_LOCKOUT_MINUTES} minutes after "
        + " and ".join(reason for reason in reasons if reason)
        + "."
    )
    audit_record(AuditAction.LOCKED_OUT, actor=str(username or ""), detail=detail, request=request)


def signed_in(sender, request, user, **kwargs) -> None:
    """A success clears the account's failures, but not the address's: one good password must
    not wipe the record of an address that guesses at other accounts."""
    axes_reset(username=user.get_username())


def remember_privileges(sender, instance, update_fields=None, **kwargs) -> None:
    if instance.pk is None:
        return
    if update_fields is not None and not set(update_fields) & set(PRIVILEGE_FIELDS):
        return  # e.g. last_login on every sign-in: nothing to compare, no query
    instance._privileges_before = (
        sender._default_manager.filter(pk=instance.pk).values(*PRIVILEGE_FIELDS).first()
    )


def record_privileges(sender, instance, created, **kwargs) -> None:
    before = instance.__dict__.pop("_privileges_before", None)
    if created:
        granted = [
            PRIVILEGE_FIELDS[field] for field in GRANTED_ON_CREATION if getattr(instance, field)
        ]
        changes = [f"created as {' and '.join(granted)}"] if granted else []
    elif before:
        changes = [
            f"{label}: {_yes_no(before[field])} → {_yes_no(getattr(instance, field))}"
            for field, label in PRIVILEGE_FIELDS.items()
            if before[field] != getattr(instance, field)
        ]
    else:
        return
    if changes:
        audit_record(AuditAction.PRIVILEGE_CHANGED, target=instance, detail="; ".join(changes))


def _through_fields(through, instance, model):
    """The link table's field pointing at `instance`, and the one pointing at `model`."""
    relations = [field for field in through._meta.fields if field.is_relation]
    source = next(field for field in relations if isinstance(instance, field.related_model))
    other = next(field for field in relations if field is not source)
    return source, other


def record_grants(sender, instance, action, reverse, model, pk_set, **kwargs) -> None:
    """Groups and permissions given to or taken from a user, and permissions of a group."""
    if action == "pre_clear":
        source, other = _through_fields(sender, instance, model)
        linked = sender.objects.filter(**{source.name: instance}).values(other.attname)
        instance._grants_cleared = list(model._default_manager.filter(pk__in=linked))
        return
    if action == "post_clear":
        objects = instance.__dict__.pop("_grants_cleared", [])
    elif action in {"post_add", "post_remove"}:
        objects = list(model._default_manager.filter(pk__in=pk_set))
    else:
        return
    verb = "added" if action == "post_add" else "removed"
    if reverse:  # group.user_set.add(user), permission.group_set.add(group)
        detail = f"{instance._meta.verbose_name} {verb}: {instance}"
        for target in objects:
            audit_record(AuditAction.PRIVILEGE_CHANGED, target=target, detail=detail)
    elif objects:
        names = ", ".join(sorted(str(obj) for obj in objects))
        detail = f"{model._meta.verbose_name_plural} {verb}: {names}"
        audit_record(AuditAction.PRIVILEGE_CHANGED, target=instance, detail=detail)


def connect() -> None:
    user = get_user_model()
    user_login_failed.connect(sign_in_failed, dispatch_uid="audit-sign-in-failed")
    user_locked_out.connect(locked_out, dispatch_uid="audit-locked-out")
    user_logged_in.connect(signed_in, dispatch_uid="throttle-reset-on-success")
    pre_save.connect(remember_privileges, sender=user, dispatch_uid="audit-privileges-before")
    post_save.connect(record_privileges, sender=user, dispatch_uid="audit-privileges-after")
    for through in (user.groups.through, user.user_permissions.through, Group.permissions.through):
        m2m_changed.connect(record_grants, sender=through, dispatch_uid=f"audit-{through.__name__}")
