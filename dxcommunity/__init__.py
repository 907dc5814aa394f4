"""dxcommunity: regional DX support programs (地域DX促進活動支援)."""

from dxcommunity.celery import app as celery_app

__all__ = ("celery_app",)
