from django.urls import path

from training import commendation_views, manage_views, views

app_name = "training"

urlpatterns = [
    # Public: the programmes open for enrolment, a programme's page, verification, commendations.
    path("", views.programme_list, name="programme-list"),
    path("programmes/<int:pk>/", views.programme_detail, name="programme-detail"),
    path("programmes/<int:pk>/enrol/", views.programme_enrol, name="programme-enrol"),
    path("certificates/verify/", views.certificate_verify_page, name="certificate-verify"),
    path("commended/", views.commended, name="commended"),
    # A person's own training.
    path("mine/", views.my_training, name="mine"),
    path("enrolments/<int:pk>/withdraw/", views.enrolment_withdraw, name="enrolment-withdraw"),
    path("certificates/<int:pk>/download/", views.certificate_download, name="certificate-download"),
    # The organisers (promotion centre, park administrations).
    path("manage/", manage_views.manage_list, name="manage-list"),
    path("manage/new/", manage_views.programme_create, name="manage-create"),
    path("manage/<int:pk>/", manage_views.manage_programme, name="manage-programme"),
    path("manage/<int:pk>/edit/", manage_views.programme_edit, name="manage-edit"),
    path("manage/<int:pk>/publish/", manage_views.programme_publish, name="manage-publish"),
    path("manage/<int:pk>/close/", manage_views.programme_close, name="manage-close"),
    path("manage/<int:pk>/courses/new/", manage_views.course_edit, name="course-create"),
    path("manage/<int:pk>/courses/<int:course_pk>/edit/", manage_views.course_edit, name="course-edit"),
    path(
        "manage/<int:pk>/courses/<int:course_pk>/register/",
        manage_views.attendance_register,
        name="attendance-register",
    ),
    # The promotion centre's commendation list.
    path("commendations/", commendation_views.commendation_admin, name="commendations"),
    path("commendations/<int:pk>/edit/", commendation_views.commendation_edit, name="commendation-edit"),
    path(
        "commendations/<int:pk>/publish/",
        commendation_views.commendation_publish,
        {"action": "publish"},
        name="commendation-publish",
    ),
    path(
        "commendations/<int:pk>/unpublish/",
        commendation_views.commendation_publish,
        {"action": "unpublish"},
        name="commendation-unpublish",
    ),
]
