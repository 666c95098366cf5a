from django.urls import path

from research import views

app_name = "research"
urlpatterns = [
    path("", views.study_list, name="study-list"),
    path("<slug:slug>/", views.study_detail, name="study-detail"),
    path("<slug:slug>/cite.ris", views.study_ris, name="study-ris"),
    path("<slug:slug>/cite.bib", views.study_bibtex, name="study-bibtex"),
]
