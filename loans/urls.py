from django.urls import include, path

from loans import eligibility_views
from loans import views as product_views

app_name = "loans"

urlpatterns: list = [
    path("products/", product_views.product_catalogue_view, name="product_catalogue"),
    path("products/compare/", product_views.product_compare_view, name="product_compare"),
    path("products/<int:pk>/", product_views.product_detail_view, name="product_detail"),
    path("bank/products/", product_views.bank_product_list_view, name="bank_product_list"),
    path("bank/products/new/", product_views.bank_product_create_view, name="bank_product_create"),
    path("bank/products/<int:pk>/", product_views.bank_product_detail_view, name="bank_product_detail"),
    path("bank/products/<int:pk>/edit/", product_views.bank_product_edit_view, name="bank_product_edit"),
    path(
        "bank/products/<int:pk>/transition/",
        product_views.bank_product_transition_view,
        name="bank_product_transition",
    ),
    path("check/", eligibility_views.eligibility_check_view, name="eligibility_check"),
    path("coaching/", include("loans.coaching_urls")),
    path("applications/", include("loans.application_urls")),
    path("", include("loans.loan_urls")),
]
