"""Login, logout, password change and reset: Django's views with our templates and strong validation.

Login throttling is django-axes (``AXES_*`` settings): Django's ``LoginView`` passes the request to
``authenticate()``, which axes needs; a locked-out username+IP gets ``registration/locked_out.html``.
"""
from django.conf import settings
from django.contrib.auth import views as auth
from django.urls import path, reverse_lazy
from django.utils.functional import lazy

_product_name = lazy(lambda: settings.PRODUCT_NAME, str)

urlpatterns = [
    path("login/", auth.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    path("password/change/", auth.PasswordChangeView.as_view(), name="password_change"),
    path("password/change/done/", auth.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("password/reset/", auth.PasswordResetView.as_view(
        extra_email_context={"product_name": _product_name()}), name="password_reset"),
    path("password/reset/done/", auth.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("reset/<uidb64>/<token>/", auth.PasswordResetConfirmView.as_view(
        success_url=reverse_lazy("password_reset_complete")), name="password_reset_confirm"),
    path("reset/done/", auth.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]


def client_ip(request) -> str | None:
    """The client address for login throttling (``AXES_CLIENT_IP_CALLABLE``).

    ``REMOTE_ADDR`` unless ``TRUSTED_PROXY_COUNT`` says how many proxies of ours sit in front: then the
    address that the outermost of them saw, taken from the right of ``X-Forwarded-For`` (entries further
    left are whatever the client claimed and cannot be trusted).
    """
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if count > 0:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR")
