"""監査ログ: the audit log reader over django-simple-history's tables and its coordinator page."""
