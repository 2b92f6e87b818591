from django.urls import path

from pos_platform.terminal import views

urlpatterns = [
    path("pos/", views.app, name="terminal-app"),
    path("pos/sw.js", views.service_worker, name="terminal-sw"),
    path("pos/manifest.webmanifest", views.manifest, name="terminal-manifest"),
]
