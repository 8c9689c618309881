from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The site: what composes the apps into one product — the API's assembly, the home page, the
    pages' template environment and navigation, the demo and province loaders, the system checks.
    Every app may be imported here; nothing below imports this package."""

    name = "cunzhan.site"
    label = "site"
    verbose_name = "站点"

    def ready(self) -> None:
        from cunzhan.site import checks  # noqa: F401  (registers system checks)
