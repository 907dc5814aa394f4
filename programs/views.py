"""Views of programs: thin, each parses the request, calls one selector or service, renders."""
from django.http import HttpResponse

def dashboard(request, consortium_slug): return HttpResponse("ok")
company_list = company_detail = event_list = event_register = application_create = dashboard
