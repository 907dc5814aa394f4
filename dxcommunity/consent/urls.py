"""URLs of the 'consent' namespace, under /c/<consortium_slug>/consent/.

index: the company member's own page (coordinators: ``?company=<pk>`` or a chooser); company: one
company's page; share / revoke: the company's 経営者 (POST); comment_add: bank staff's comment on the
company page (POST).
"""

from django.urls import path

from dxcommunity.consent import views as views_consent

app_name = "consent"
urlpatterns = [
    path("", views_consent.index, name="index"),
    path("companies/<int:company_pk>/", views_consent.company_consent, name="company"),
    path("companies/<int:company_pk>/share/", views_consent.share, name="share"),
    path("shares/<int:pk>/revoke/", views_consent.revoke, name="revoke"),
    path("companies/<int:company_pk>/comments/", views_consent.comment_add, name="comment_add"),
]
