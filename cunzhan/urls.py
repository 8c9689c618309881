from django.urls import include, path

from cunzhan.accounts.urls import auth_urlpatterns
from cunzhan.assessment.urls import public_urlpatterns as assessment_public_urlpatterns
from cunzhan.core import errors
from cunzhan.site import views as site_views
from cunzhan.site.api import api
from cunzhan.stations.region_views import urlpatterns as region_urlpatterns
from cunzhan.stations.urls import public_urlpatterns as station_public_urlpatterns
from cunzhan.stations.urls import unit_urlpatterns

# Django tries the patterns in order for every request: the API (the phone app's writes, most of the
# requests) first, then the pages
urlpatterns = [
    path("api/v1/", api.urls),
    path("", site_views.home, name="home"),
    path("healthz", site_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    *auth_urlpatterns,
    path("accounts/", include("cunzhan.accounts.urls")),
    path("regions/", include((region_urlpatterns, "regions"))),
    path("stations/", include("cunzhan.stations.urls")),
    path("operating-units/", include((unit_urlpatterns, "units"))),
    path("activities/", include("cunzhan.activities.urls")),
    path("supervision/", include("cunzhan.supervision.urls")),
    path("ledgers/", include("cunzhan.ledgers.urls")),
    path("reports/", include("cunzhan.reports.urls")),
    path("assessment/", include("cunzhan.assessment.urls")),
    path("onboarding/", include("cunzhan.onboarding.urls")),
    path("notices/", include("cunzhan.notices.urls")),
    path("jobs/", include("cunzhan.core.job_urls")),
    path("dashboards/", include("cunzhan.dashboards.urls")),
    path("public/assessments/", include(assessment_public_urlpatterns)),
    path("directory/", include((station_public_urlpatterns, "directory"))),
]

# Chinese pages in the site's layout, JSON under /api/ (cunzhan.core.errors)
handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.page_not_found
handler500 = errors.server_error
