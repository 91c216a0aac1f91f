from django.urls import path

from whitelist import batch_views

urlpatterns = [
    path("batches/", batch_views.batch_list, name="batch_list"),
    path("batches/<int:pk>/", batch_views.batch_detail, name="batch_detail"),
    path("batches/<int:pk>/decide/", batch_views.batch_decide, name="batch_decide"),
    path("batches/<int:pk>/submit/", batch_views.batch_submit_view, name="batch_submit"),
    path("batches/<int:pk>/publish/", batch_views.batch_publish_view, name="batch_publish"),
    path("batches/<int:pk>/send-back/", batch_views.batch_send_back_view, name="batch_send_back"),
]
