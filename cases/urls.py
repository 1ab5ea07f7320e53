"""A letter as published: its original PDF and its text (cases.downloads)."""

from django.urls import path

from cases import downloads

app_name = "cases"
urlpatterns = [
    path("determinations/id/<int:pk>/letter.pdf", downloads.letter_pdf_pk, name="letter_pdf_pk"),
    path("determinations/id/<int:pk>/letter.txt", downloads.letter_txt_pk, name="letter_txt_pk"),
    path("determinations/<str:case_number>/letter.pdf", downloads.letter_pdf, name="letter_pdf"),
    path("determinations/<str:case_number>/letter.txt", downloads.letter_txt, name="letter_txt"),
]
