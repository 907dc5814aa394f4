"""The base layer's rules for django-rules' autodiscovery (``rules.apps.AutodiscoverRulesConfig`` imports
each app's ``rules`` module): the rules on companies and on the acting membership live in
``dxcommunity.access.rules``; importing it registers them."""

from dxcommunity.access import rules  # noqa: F401
