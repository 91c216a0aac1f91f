"""The demand pool and events, under /matchmaking/ in the "matchmaking" namespace."""

from django.urls import path

from matchmaking import demand_views as needs
from matchmaking import event_views as events

app_name = "matchmaking"

urlpatterns = [
    # Needs: an enterprise's own (a park's area, everything for oversight), posting and collecting.
    path("needs/", needs.need_list, name="demand-list"),
    path("needs/new/", needs.need_new, name="demand-new"),
    path("needs/collect/", needs.need_collect, name="demand-collect"),
    path("needs/<int:pk>/", needs.need_detail, name="demand-detail"),
    path("needs/<int:pk>/confirm/", needs.need_confirm, name="demand-confirm"),
    path("needs/<int:pk>/share/", needs.need_share, name="demand-share"),
    path("needs/<int:pk>/withdraw/", needs.need_withdraw, name="demand-withdraw"),
    path("needs/<int:pk>/claim/", needs.need_claim, name="demand-claim"),
    path("needs/<int:pk>/contacts/", needs.need_contact, name="demand-contact"),
    path("needs/<int:pk>/outcome/", needs.need_outcome, name="demand-outcome"),
    path("needs/<int:pk>/hand-back/", needs.need_hand_back, name="demand-hand-back"),
    # The banks: the pool of open needs, and their claims.
    path("pool/", needs.pool, name="pool"),
    path("claims/", needs.claims, name="claims"),
    path("funnel/", needs.funnel_view, name="funnel"),
    # Events: the public calendar, one event, the organiser's pages.
    path("events/", events.calendar, name="event-calendar"),
    path("events/manage/", events.event_manage, name="event-manage"),
    path("events/new/", events.event_new, name="event-new"),
    path("events/<int:pk>/", events.event_detail, name="event-detail"),
    path("events/<int:pk>/edit/", events.event_edit, name="event-edit"),
    path("events/<int:pk>/move/", events.event_move, name="event-move"),
    path("events/<int:pk>/register/", events.event_register, name="event-register"),
    path("events/<int:pk>/unregister/", events.event_unregister, name="event-unregister"),
    path("events/<int:pk>/check-in/", events.event_checkin, name="event-checkin"),
    path(
        "events/<int:pk>/check-in/<int:registration_pk>/", events.event_checkin_one, name="event-checkin-one"
    ),
    path("events/<int:pk>/matches/", events.event_match, name="event-match"),
]
