"""The citizen's follow-up under the tracking link: answer a question, confirm, rate, reopen."""

from django.urls import path

from . import views

app_name = "followup"
urlpatterns = [
    path("lacak/<str:token>/jawab/", views.track_answer, name="answer"),
    path("lacak/<str:token>/konfirmasi/", views.track_confirm, name="confirm"),
    path("lacak/<str:token>/nilai/", views.track_rate, name="rate"),
    path("lacak/<str:token>/buka-kembali/", views.track_reopen, name="reopen"),
]
