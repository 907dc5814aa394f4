"""The main navigation offers each role the pages its rules allow (``dxcommunity.access.rules`` and the apps'
rules, asked with ``{% test_rule %}``), and every link it shows opens."""

from __future__ import annotations

import re

from django.urls import reverse

# URL name -> the roles of the cast whose navigation shows it.
SECRETARIAT = {"coordinator", "regional_coordinator"}
EXPECTED = {
    "companies:list": {
        "coordinator",
        "regional_coordinator",
        "itc",
        "bank_user",
        "association_user",
        "company_user",
    },
    "programs:list": {
        "coordinator",
        "regional_coordinator",
        "itc",
        "bank_user",
        "association_user",
        "vendor_user",
    },
    "recruitment:index": SECRETARIAT,
    "recruitment:recommend": {"bank_user", "association_user"},
    "recruitment:my_selection": {"company_user"},
    "consent:index": {"company_user"},
    "members:index": SECRETARIAT | {"company_user"},  # the demo cast's company user is its 経営者
    "audit:index": {"coordinator"},
    "results:index": SECRETARIAT,
}
ROLES = [
    "coordinator",
    "regional_coordinator",
    "itc",
    "bank_user",
    "association_user",
    "vendor_user",
    "company_user",
]


def _nav(html: str) -> str:
    return re.search(r'<nav class="mainnav">(.*?)</nav>', html, re.S).group(1)


def test_each_role_sees_the_links_its_rules_allow_and_they_open(cast, client):
    wrong = []
    for role in ROLES:
        client.force_login(getattr(cast, role))
        nav = _nav(client.get(reverse("companies:home", args=["dx"])).content.decode())
        for name, roles in EXPECTED.items():
            href = reverse(name, args=["dx"])
            shown = f'href="{href}"' in nav
            if shown != (role in roles):
                wrong.append(f"{role}: {name} {'shown' if shown else 'missing'}")
            elif shown and client.get(href).status_code != 200:
                wrong.append(f"{role}: {name} shown but answers {client.get(href).status_code}")
    assert not wrong, "\n".join(wrong)


def test_a_company_member_sees_its_own_company(cast, client):
    client.force_login(cast.company_user)
    assert "自社" in _nav(client.get(reverse("companies:home", args=["dx"])).content.decode())
    client.force_login(cast.bank_user)
    assert "自社" not in _nav(client.get(reverse("companies:home", args=["dx"])).content.decode())
