from django.urls import path

from inquiries import views

app_name = "inquiries"
urlpatterns = [
    path("", views.create, name="create"),
    path("thanks/", views.thanks, name="thanks"),
]
