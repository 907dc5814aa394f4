import pytest


@pytest.fixture(autouse=True)
def _celery_eager(request, settings):
    """Tasks run in process, even when REDIS_URL is set (CI sets it for the celery_worker tests).

    The Celery app copies Django settings once, so ``app.conf`` is set as well as the setting.
    Tests marked ``celery_worker`` switch eager mode off themselves.
    """
    if "celery_worker" in request.keywords:
        yield
        return
    from dxcommunity.celery import app

    saved = app.conf.task_always_eager
    settings.CELERY_TASK_ALWAYS_EAGER = True
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved
