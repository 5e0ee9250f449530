from django.urls import path

from . import views

_ROOM = "r/<str:code>/matching/<slug:step_key>"
_CONTROL = "sessions/<str:code>/matching"

urlpatterns = [
    path(f"{_ROOM}/boards/<int:group_id>/pair", views.pair, name="matching_pair"),
    path(f"{_ROOM}/boards/<int:group_id>/done", views.done, name="matching_done"),
    path(f"{_ROOM}/answer", views.answer, name="matching_answer"),
    path(f"{_CONTROL}/<slug:step_key>/close", views.close, name="matching_close"),
    path(f"{_CONTROL}/<slug:step_key>/reveal", views.reveal, name="matching_reveal"),
    path(f"{_CONTROL}/<slug:step_key>/projector", views.projector, name="matching_projector"),
    path(f"{_CONTROL}/<slug:step_key>/answers", views.answers_all, name="matching_answers_all"),
    path(
        f"{_CONTROL}/answers/<int:answer_id>/shown",
        views.answer_shown,
        name="matching_answer_shown",
    ),
]
