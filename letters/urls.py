from django.urls import path

from . import views

app_name = "letters"

urlpatterns = [
    # Phones.
    path("r/<str:code>/action", views.panel, name="panel"),
    path("r/<str:code>/action/safety", views.choose, name="choose"),
    path("r/<str:code>/action/save", views.save, name="save"),
    path("r/<str:code>/action/<int:letter_id>/edit", views.reopen, name="reopen"),
    # The facilitator.
    path("sessions/<str:code>/why", views.show_why, name="show_why"),
    path("sessions/<str:code>/letters/", views.letters, name="letters"),
    path("sessions/<str:code>/letters/news", views.letters_news, name="news"),
    path("sessions/<str:code>/letters/<int:letter_id>/hide", views.hide, name="hide"),
    path("sessions/<str:code>/letters/mark", views.mark, name="mark"),
    path("sessions/<str:code>/print", views.print_letters, name="print"),
    path("sessions/<str:code>/letters.csv", views.export_csv, name="export_csv"),
    path("sessions/<str:code>/letters.zip", views.export_zip, name="export_zip"),
]
