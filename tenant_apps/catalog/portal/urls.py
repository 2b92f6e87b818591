"""The products pages under /portal/. Each route carries its prefix: the list is /portal/products
without a trailing slash, which an include under "products" could only give with routes that begin
with a slash (Django's urls.W002)."""

from django.urls import path

from tenant_apps.catalog.portal import views

urlpatterns = [
    path("products", views.product_list_view, name="portal-products"),
    path("products/new", views.product_new_view, name="portal-product-new"),
    path("products/suggest", views.product_suggest_view, name="portal-product-suggest"),
    path("products/import", views.product_import_view, name="portal-product-import"),
    path("products/export.csv", views.product_export_view, name="portal-product-export"),
    path("products/<uuid:product_id>", views.product_detail_view, name="portal-product"),
    path("products/<uuid:product_id>/edit", views.product_edit_view, name="portal-product-edit"),
    path("products/<uuid:product_id>/price", views.product_price_view, name="portal-product-price"),
]
