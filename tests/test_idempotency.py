"""dxcommunity.idempotency: one create per form key, the template field, and pruning old keys."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone

from dxcommunity.consent.models import CompanyComment
from dxcommunity.idempotency import create_once, new_key, save_once, valid_key
from dxcommunity.models import SubmissionKey

pytestmark = pytest.mark.django_db


def comment(cast, body="相談あり"):
    return CompanyComment.objects.create(
        consortium=cast.consortium, company=cast.company, author=cast.bank_user, body=body
    )


def test_a_key_creates_once_and_returns_the_first_row(cast):
    key = new_key()
    calls = []

    def create():
        calls.append(1)
        return comment(cast)

    first, created = create_once(
        key=key, scope="t", consortium_id=cast.consortium.pk, user=cast.bank_user, create=create
    )
    again, created_again = create_once(
        key=key, scope="t", consortium_id=cast.consortium.pk, user=cast.bank_user, create=create
    )
    assert (created, created_again, again, len(calls)) == (True, False, first, 1)
    # Another scope or no key: a new row.
    create_once(key=key, scope="other", consortium_id=cast.consortium.pk, user=cast.bank_user, create=create)
    create_once(key=None, scope="t", consortium_id=cast.consortium.pk, user=cast.bank_user, create=create)
    assert len(calls) == 3


def test_save_once_validates_saves_and_returns_the_first_row(cast):
    key = new_key()

    def build(body="相談あり"):
        return CompanyComment(
            consortium=cast.consortium, company=cast.company, author=cast.bank_user, body=body
        )

    args = {"key": key, "scope": "t", "consortium_id": cast.consortium.pk, "user": cast.bank_user}
    first = save_once(**args, build=build)
    assert save_once(**args, build=lambda: build("二度目")) == first
    assert list(CompanyComment.objects.values_list("body", flat=True)) == ["相談あり"]
    with pytest.raises(ValidationError):  # full_clean: an empty body is refused, and no key is kept
        save_once(**{**args, "key": new_key()}, build=lambda: build(""))
    assert SubmissionKey.objects.count() == 1


def test_a_failed_create_keeps_no_key(cast):
    key = new_key()

    def refuse():
        comment(cast)
        raise ValidationError({"body": "no"})

    with pytest.raises(ValidationError):
        create_once(key=key, scope="t", consortium_id=cast.consortium.pk, user=cast.bank_user, create=refuse)
    assert not SubmissionKey.objects.exists() and not CompanyComment.objects.exists()
    row, created = create_once(
        key=key,
        scope="t",
        consortium_id=cast.consortium.pk,
        user=cast.bank_user,
        create=lambda: comment(cast),
    )
    assert created and row.pk


def test_another_users_key_or_a_deleted_row_is_a_validation_error(cast):
    key = new_key()
    row, _c = create_once(
        key=key,
        scope="t",
        consortium_id=cast.consortium.pk,
        user=cast.bank_user,
        create=lambda: comment(cast),
    )
    with pytest.raises(ValidationError):
        create_once(
            key=key, scope="t", consortium_id=cast.consortium.pk, user=cast.itc, create=lambda: comment(cast)
        )
    row.delete()
    with pytest.raises(ValidationError):
        create_once(
            key=key,
            scope="t",
            consortium_id=cast.consortium.pk,
            user=cast.bank_user,
            create=lambda: comment(cast),
        )
    assert not CompanyComment.objects.exists()


def test_valid_key_refuses_junk():
    assert valid_key(new_key()) and len(new_key()) == 32
    for junk in (None, "", "short", "x" * 65, "bad key with spaces!!", "<script>alert(1)</script>"):
        assert valid_key(junk) is None


def test_the_template_field_keeps_the_posted_key_and_makes_a_new_one_otherwise():
    template = Template("{% load idempotency %}{% idempotency_key_field %}")
    key = new_key()
    posted = RequestFactory().post("/", {"idempotency_key": key})
    assert f'value="{key}"' in template.render(Context({"request": posted}))
    fresh = template.render(Context({"request": RequestFactory().get("/")}))
    assert 'name="idempotency_key"' in fresh and key not in fresh


def test_prune_deletes_only_old_keys(cast):
    for _i in range(2):
        create_once(
            key=new_key(),
            scope="t",
            consortium_id=cast.consortium.pk,
            user=cast.bank_user,
            create=lambda: comment(cast),
        )
    old = SubmissionKey.objects.first()
    SubmissionKey.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=31))
    call_command("prune_submission_keys", "--days", "30")
    assert SubmissionKey.objects.count() == 1 and not SubmissionKey.objects.filter(pk=old.pk).exists()


def test_beat_prunes_old_keys_daily(cast, settings):
    """The daily beat entry runs the prune task, which keeps SUBMISSION_KEY_DAYS days of keys."""
    from dxcommunity.tasks import prune_submission_keys

    entry = settings.CELERY_BEAT_SCHEDULE["dxcommunity-prune-submission-keys"]
    assert entry["task"] == "dxcommunity.tasks.prune_submission_keys" and entry["schedule"] == 86400
    for _i in range(2):
        create_once(
            key=new_key(),
            scope="t",
            consortium_id=cast.consortium.pk,
            user=cast.bank_user,
            create=lambda: comment(cast),
        )
    old = SubmissionKey.objects.first()
    SubmissionKey.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=8))
    settings.SUBMISSION_KEY_DAYS = 7
    assert prune_submission_keys.delay().get() == 1
    assert list(SubmissionKey.objects.all()) != [] and not SubmissionKey.objects.filter(pk=old.pk).exists()
