from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils.html import format_html


@login_required
def account(request):
    return HttpResponse(
        format_html(
            '<h1>Hello, {}</h1><form method="post" action="/logout/">'
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
            "<button>Log out</button></form>",
            request.user.get_full_name(),
            get_token(request),
        )
    )
