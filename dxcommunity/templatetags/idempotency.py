"""``{% idempotency_key_field %}``: the hidden one-time key of a create form (dxcommunity.idempotency)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from dxcommunity.idempotency import FIELD, new_key, valid_key

register = template.Library()


@register.simple_tag(takes_context=True)
def idempotency_key_field(context: template.Context) -> str:
    """``<input type="hidden" name="idempotency_key">``: the POSTed key when the form comes back with
    errors (nothing was created with it), else a fresh one. Forms with it are also guarded against a
    second click by static/js/submit-once.js."""
    request = context.get("request")
    key = valid_key(request.POST.get(FIELD)) if request is not None and request.method == "POST" else None
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, key or new_key())
