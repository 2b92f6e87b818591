from django.urls import path

from tenant_apps.catalog.portal import views

urlpatterns = [
    path("", views.product_list_view, name="portal-products"),
    path("/new", views.product_new_view, name="portal-product-new"),
    path("/suggest", views.product_suggest_view, name="portal-product-suggest"),
    path("/import", views.product_import_view, name="portal-product-import"),
    path("/export.csv", views.product_export_view, name="portal-product-export"),
    path("/<uuid:product_id>", views.product_detail_view, name="portal-product"),
    path("/<uuid:product_id>/edit", views.product_edit_view, name="portal-product-edit"),
    path("/<uuid:product_id>/price", views.product_price_view, name="portal-product-price"),
]
