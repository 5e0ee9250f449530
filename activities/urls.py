from django.urls import include, path

from .views import facilitator, joining, participant, steps, stream, summary

urlpatterns = [
    path("", participant.home, name="home"),
    path("privacy", participant.privacy, name="privacy"),
    path("join", participant.join, name="join"),
    path("join/<str:code>", participant.join_room, name="join_room"),
    path("r/<str:code>", participant.room, name="room"),
    path("r/<str:code>/events", stream.events, {"screen": "participant"}, name="room_events"),
    path("r/<str:code>/poll", stream.poll, {"screen": "participant"}, name="room_poll"),
    path("r/<str:code>/admission", participant.admission, name="room_admission"),
    path(
        "r/<str:code>/waiting/events", stream.events, {"screen": "waiting"}, name="waiting_events"
    ),
    path("r/<str:code>/waiting/poll", stream.poll, {"screen": "waiting"}, name="waiting_poll"),
    path("sessions/", facilitator.dashboard, name="dashboard"),
    path("sessions/new", facilitator.session_create, name="session_create"),
    path("sessions/<str:code>/", facilitator.control, name="control"),
    path("sessions/<str:code>/projector", facilitator.projector, name="projector"),
    path(
        "sessions/<str:code>/projector/events",
        stream.events,
        {"screen": "projector"},
        name="projector_events",
    ),
    path(
        "sessions/<str:code>/projector/poll",
        stream.poll,
        {"screen": "projector"},
        name="projector_poll",
    ),
    path("sessions/<str:code>/events", stream.events, {"screen": "control"}, name="control_events"),
    path("sessions/<str:code>/poll", stream.poll, {"screen": "control"}, name="control_poll"),
    path("sessions/<str:code>/step", facilitator.go_to_step, name="go_to_step"),
    path("sessions/<str:code>/next", facilitator.next_step, name="next_step"),
    path("sessions/<str:code>/previous", facilitator.previous_step, name="previous_step"),
    path("sessions/<str:code>/timer", facilitator.timer, name="timer"),
    path("sessions/<str:code>/lock", facilitator.lock, name="lock"),
    path(
        "sessions/<str:code>/projector/language",
        facilitator.projector_language,
        name="projector_language",
    ),
    path("sessions/<str:code>/group-size", facilitator.group_size, name="group_size"),
    path("sessions/<str:code>/regroup", facilitator.regroup, name="regroup"),
    path("sessions/<str:code>/groups/add", facilitator.add_group, name="add_group"),
    path(
        "sessions/<str:code>/people/<int:participant_id>/move",
        facilitator.move,
        name="move_participant",
    ),
    path(
        "sessions/<str:code>/people/<int:participant_id>/remove",
        facilitator.remove,
        name="remove_participant",
    ),
    path("sessions/<str:code>/end", facilitator.end, name="end_session"),
    # Who may join (activities/views/joining.py).
    path("sessions/<str:code>/approve-joins", joining.approve_joins, name="approve_joins"),
    path("sessions/<str:code>/nickname-filter", joining.nickname_filter, name="nickname_filter"),
    path("sessions/<str:code>/max-participants", joining.max_participants, name="max_participants"),
    path(
        "sessions/<str:code>/people/<int:participant_id>/admit",
        joining.admit,
        name="admit_participant",
    ),
    path("sessions/<str:code>/admit-all", joining.admit_all, name="admit_all"),
    path("sessions/<str:code>/delete-data", joining.delete_data, name="delete_data"),
    path("sessions/<str:code>/summary", summary.summary, name="session_summary"),
    # Step kinds' own requests.
    path("", include("activities.steps.matching.urls")),
    # Steps 1 and 2 and the UDHR introduction: what phones write, draw and tap...
    path("r/<str:code>/ideas", steps.idea_add, name="idea_add"),
    path("r/<str:code>/ideas/group", steps.group_ideas, name="group_ideas"),
    path("r/<str:code>/ideas/<int:idea_id>", steps.idea_edit, name="idea_edit"),
    path("r/<str:code>/ideas/<int:idea_id>/drawing", steps.idea_drawing, name="idea_drawing"),
    path("r/<str:code>/answers", steps.reflection_answers, name="reflection_answers"),
    path("r/<str:code>/note", steps.group_note, name="group_note"),
    path("r/<str:code>/rights", steps.udhr_rights, name="udhr_rights"),
    path("r/<str:code>/rights/<int:article>", steps.udhr_tap, name="udhr_tap"),
    # ...and what the facilitator does with it.
    path("sessions/<str:code>/ideas/<int:idea_id>/tag", steps.idea_tag, name="idea_tag"),
    path(
        "sessions/<str:code>/ideas/<int:idea_id>/cross-out",
        steps.idea_cross_out,
        name="idea_cross_out",
    ),
    path(
        "sessions/<str:code>/ideas/<int:idea_id>/restore", steps.idea_restore, name="idea_restore"
    ),
    path("sessions/<str:code>/ideas/<int:idea_id>/hide", steps.idea_hide, name="idea_hide"),
    path("sessions/<str:code>/answers/<int:answer_id>/show", steps.answer_show, name="answer_show"),
    path("sessions/<str:code>/steps/<str:step_key>/view", steps.step_view, name="step_view"),
    path(
        "sessions/<str:code>/steps/<str:step_key>/feature",
        steps.note_feature,
        name="note_feature",
    ),
    path(
        "sessions/<str:code>/steps/<str:step_key>/background",
        steps.background_show,
        name="background_show",
    ),
]
