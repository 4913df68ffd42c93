from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from branches.views import auth as auth_views

urlpatterns = [
    path("accounts/", include(auth_views.urlpatterns)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("members/", include("members.urls")),
    path("discipline/", include("discipline.urls")),
    path("meetings/", include("meetings.urls")),
    path("committee/", include("members.urls_committee")),
    path("dues/", include("dues.urls")),
    path("access/", include("branches.access_urls")),
    path("", include("branches.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
