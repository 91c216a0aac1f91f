from django.urls import path

from loans import apis

app_name = "loans-api"

urlpatterns = [
    path("", apis.LoanListCreateApi.as_view(), name="list"),
    path("<int:pk>/", apis.LoanDetailApi.as_view(), name="detail"),
    path("<int:pk>/contract/", apis.LoanContractApi.as_view(), name="contract"),
    path("<int:pk>/facts/", apis.LoanFactListCreateApi.as_view(), name="facts"),
]
