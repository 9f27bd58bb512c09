"""Every /api/v1/ route, gathered from the apps that own them."""

urlpatterns: list = []
