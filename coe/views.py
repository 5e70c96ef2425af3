from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def coe_list(request: HttpRequest) -> HttpResponse:
    return render(request, "coe/coe_list.html")


def action_list(request: HttpRequest) -> HttpResponse:
    return render(request, "coe/action_list.html")


def report_list(request: HttpRequest) -> HttpResponse:
    return render(request, "coe/report_list.html")
