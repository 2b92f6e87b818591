"""The tax pages under /portal/ (each route carries its prefix, as the other apps' pages do)."""

from django.urls import path

from tenant_apps.taxes.portal import views

urlpatterns = [
    path("taxes", views.taxes_view, name="portal-taxes"),
    path("taxes/categories/new", views.tax_category_new_view, name="portal-tax-category-new"),
    path("taxes/rates/new", views.tax_rate_new_view, name="portal-tax-rate-new"),
    path("taxes/rates/<uuid:rate_id>/end", views.tax_rate_end_view, name="portal-tax-rate-end"),
]
