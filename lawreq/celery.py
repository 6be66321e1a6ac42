from __future__ import annotations

import os

from celery import Celery
from celery.signals import before_task_publish, task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lawreq.settings")

app = Celery("lawreq")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The request id (lawreq.logs) travels with the tasks a request enqueues, in a message header, and
# is set again around the task in the worker: the worker's lines carry the request's id.
REQUEST_ID_TASK_HEADER = "lawreq_request_id"


@before_task_publish.connect
def _request_id_send(headers=None, **kwargs) -> None:
    from lawreq.logs import NO_REQUEST, request_id_var

    request_id = request_id_var.get()
    if headers is not None and request_id != NO_REQUEST:
        headers[REQUEST_ID_TASK_HEADER] = request_id


_tokens: dict[str, object] = {}


@task_prerun.connect
def _request_id_receive(task_id=None, task=None, **kwargs) -> None:
    from lawreq.logs import request_id_accept, request_id_var

    received = None
    if task is not None:
        headers = task.request.headers or {}
        received = getattr(task.request, REQUEST_ID_TASK_HEADER, None) or headers.get(REQUEST_ID_TASK_HEADER)
    if received is None and task is not None and task.request.is_eager:
        return  # eager: runs inside the request, whose id is already set
    _tokens[task_id] = request_id_var.set(request_id_accept(received))


@task_postrun.connect
def _request_id_forget(task_id=None, **kwargs) -> None:
    from lawreq.logs import request_id_var

    token = _tokens.pop(task_id, None)
    if token is not None:
        request_id_var.reset(token)
