from django.urls import include, path

from cunzhan.accounts.urls import auth_urlpatterns
from cunzhan.core import views as core_views
from cunzhan.core.api import api

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    *auth_urlpatterns,
    path("accounts/", include("cunzhan.accounts.urls")),
    path("regions/", include("cunzhan.regions.urls")),
    path("stations/", include("cunzhan.stations.urls")),
    path("api/v1/", api.urls),
]
