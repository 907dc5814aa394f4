"""伴走支援: the 10-session accompaniment track, session logs, attendance, homework, attachments, alerts
(imports diagnosis and below)."""
