from django.urls import path

from shared_apps.signup import apis

urlpatterns = [path("onboarding", apis.OnboardingApi.as_view(), name="onboarding")]
