from django.urls import path

from . import downloads, views

app_name = "cases"
urlpatterns = [
    path("", views.determination_list, name="list"),
    path("determinations/id/<int:pk>/", views.determination_detail_pk, name="detail_pk"),
    path("determinations/id/<int:pk>/letter.pdf", downloads.letter_pdf_pk, name="letter_pdf_pk"),
    path("determinations/id/<int:pk>/letter.txt", downloads.letter_txt_pk, name="letter_txt_pk"),
    path("determinations/<str:case_number>/", views.determination_detail, name="detail"),
    path("determinations/<str:case_number>/letter.pdf", downloads.letter_pdf, name="letter_pdf"),
    path("determinations/<str:case_number>/letter.txt", downloads.letter_txt, name="letter_txt"),
]
