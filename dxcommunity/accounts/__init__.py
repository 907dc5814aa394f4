"""Accounts: invitations by email and memberships (members pages), the allauth adapter and forms,
TOTP for coordinators, the staff + TOTP admin site."""
