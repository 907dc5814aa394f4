"""Closed programs in requests: the friendly refusal page and the coordinator's amendment in progress.

``ProgramClosedMiddleware`` (in ``settings.MIDDLEWARE`` after ``ConsortiumMiddleware``: it needs
``request.consortium`` and ``request.membership``):

- a ``ProgramClosed`` that a view does not catch renders ``templates/programs/program_closed.html`` with
  status 409 (which program, closed when, how to correct) instead of a 500. Views that put a service's
  ValidationError on their form keep doing so (``ProgramClosed`` is a ValidationError);
- while the coordinator has an amendment in progress (``amendment_session_start``: the program's and the
  ``ProgramAmendment``'s pks in the session), each of their views in that consortium runs inside
  ``programs.closing.program_amendment(amendment=…)`` and one transaction: their writes to that program
  go through and are listed on the amendment; nobody else's do.

``program_amendment_context`` (a template context processor) gives base.html the banner
「<program> を修正中（理由: …）」 with 「修正を終了」.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from programs.closing import ProgramClosed, closed_on_text, program_amendment
from programs.models import ProgramAmendment
from programs.rules import may_edit_programs

SESSION_KEY = "program_amendment"  # {"program": Program pk, "amendment": ProgramAmendment pk}
_UNSET = object()


def amendment_session_start(request: HttpRequest, *, amendment: ProgramAmendment) -> None:
    """Make ``amendment`` (just started by ``request.user``) the one their requests run inside."""
    request.session[SESSION_KEY] = {"program": amendment.program_id, "amendment": amendment.pk}
    request._program_amendment = amendment  # type: ignore[attr-defined]


def amendment_session_end(request: HttpRequest) -> ProgramAmendment | None:
    """Stop the amendment of this session (if any); returns it, or None."""
    amendment = amendment_in_progress(request)
    request.session.pop(SESSION_KEY, None)
    request._program_amendment = None  # type: ignore[attr-defined]
    return amendment


def amendment_in_progress(request: HttpRequest) -> ProgramAmendment | None:
    """The amendment this request runs inside, or None (cached on the request).

    Only for the coordinator of ``request.consortium`` who started it, while its program is still closed;
    a session entry that no longer fits (another consortium's page, the role changed, the row or the
    closing gone) is ignored, and dropped when it can never fit again.
    """
    cached = getattr(request, "_program_amendment", _UNSET)
    if cached is not _UNSET:
        return cached  # type: ignore[return-value]
    amendment = None
    stored = getattr(request, "session", {}).get(SESSION_KEY)
    consortium = getattr(request, "consortium", None)
    if stored and consortium is not None and may_edit_programs(getattr(request, "membership", None)):
        row = (
            ProgramAmendment._base_manager.select_related("program")
            .filter(pk=stored.get("amendment"), program_id=stored.get("program"))
            .first()
        )
        if row is None or row.made_by_id != request.user.pk or row.program.closed_at is None:
            request.session.pop(SESSION_KEY, None)
        elif row.consortium_id == consortium.pk:
            amendment = row
    request._program_amendment = amendment  # type: ignore[attr-defined]
    return amendment


def program_closed_response(request: HttpRequest, exc: ProgramClosed) -> HttpResponse:
    """The 409 page for a refused write to a closed program."""
    program = exc.program
    context = {
        "closed_program": program,
        "closed_on": closed_on_text(program),
        "message": " ".join(exc.messages),
        "may_amend": may_edit_programs(getattr(request, "membership", None)),
    }
    return render(request, "programs/program_closed.html", context, status=409)


class ProgramClosedMiddleware:
    """See the module docstring: the 409 page for ``ProgramClosed``, the coordinator's amendment."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., HttpResponse], view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        amendment = amendment_in_progress(request)
        if amendment is None:
            return None  # Django calls the view; process_exception handles ProgramClosed
        try:
            # One transaction: the changes and the amendment's list of them are written together.
            with transaction.atomic(), program_amendment(amendment=amendment):
                response = view_func(request, *view_args, **view_kwargs)
                if hasattr(response, "render") and callable(response.render):
                    response = response.render()  # a TemplateResponse writes nothing, but in the block
        except ProgramClosed as exc:  # another program, still closed for this amendment
            return program_closed_response(request, exc)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, ProgramClosed):
            return program_closed_response(request, exception)
        return None


def program_amendment_context(request: HttpRequest) -> dict[str, Any]:
    """Template context: ``program_amendment`` (the amendment in progress, for the banner) or None."""
    return {"program_amendment": amendment_in_progress(request)}
