"""URLs of アカウントなしで使う公開ページ（公開応募フォーム）.

The consortium is ``tenant_slug`` (not ``consortium_slug``: ConsortiumMiddleware would then require a login);
the views activate the tenant scope themselves (programs.recruitment.public_views).
"""

from django.urls import path

from programs.recruitment import public_views as views_public

app_name = "public"
urlpatterns = [
    path("<slug:tenant_slug>/<int:program_pk>/apply/", views_public.apply, name="apply"),
    path("<slug:tenant_slug>/<int:program_pk>/thanks/", views_public.thanks, name="thanks"),
]
