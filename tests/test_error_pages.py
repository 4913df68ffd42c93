"""Refusals look like the app: 403 and 404 in the shell with a way back; 500 standalone."""
import pytest
from django.template.loader import render_to_string
from django.urls import reverse


@pytest.mark.django_db
def test_403_page_explains_and_keeps_the_menu(as_user, viewer):
    response = as_user(viewer).get(reverse("members:person_create"))
    assert response.status_code == 403
    html = response.content.decode()
    assert 'data-testid="error-403"' in html and "does not allow" in html
    assert reverse("branches:dashboard") in html


@pytest.mark.django_db
def test_404_page_in_the_shell(as_user, outsider, branch_a):
    response = as_user(outsider).get(reverse("branches:unit_detail", args=[branch_a.pk]))
    assert response.status_code == 404
    assert 'data-testid="error-404"' in response.content.decode()


def test_500_page_renders_without_a_request():
    html = render_to_string("500.html")
    assert "系统出现错误" in html and "Server error" in html
