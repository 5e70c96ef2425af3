from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def wheel_list(request: HttpRequest) -> HttpResponse:
    return render(request, "wheel/wheel_list.html")
