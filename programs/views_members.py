"""Views of the 'members' namespace (placeholder until built)."""

from django.http import Http404


def index(request, consortium_slug: str):
    raise Http404("not built yet")
