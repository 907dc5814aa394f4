"""URLs of the 'consent' namespace, under /c/<consortium_slug>/consent/.

index: the company member's own page (coordinators: ``?company=<pk>`` or a chooser); company: one
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
]
