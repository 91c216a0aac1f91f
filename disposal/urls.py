from django.urls import path

from disposal import listing_views, views

app_name = "disposal"

urlpatterns: list = [
    # The pledgee's and the oversight roles' cases; the pledgee's non-performing loans to open one for.
    path("", views.case_list_view, name="case-list"),
    path("open/<int:loan_pk>/", views.case_open_view, name="case-open"),
    path("cases/<int:pk>/", views.case_detail_view, name="case-detail"),
    path("cases/<int:pk>/edit/", views.case_edit_view, name="case-edit"),
    path("cases/<int:pk>/auction/", views.auction_start_view, name="auction-start"),
    path("cases/<int:pk>/list/", views.case_publish_view, name="case-publish"),
    path("cases/<int:pk>/deal/", views.deal_view, name="case-deal"),
    path("cases/<int:pk>/unsold/", views.unsold_view, name="case-unsold"),
    path("cases/<int:pk>/withdraw/", views.withdraw_view, name="case-withdraw"),
    path("cases/<int:pk>/reopen/", views.reopen_view, name="case-reopen"),
    path("cases/<int:pk>/bidders/", views.outside_bidder_view, name="outside-bidder"),
    path("cases/<int:pk>/bids/", views.offline_bid_view, name="offline-bid"),
    path("cases/<int:pk>/proceeds/", views.proceeds_view, name="case-proceeds"),
    path("cases/<int:pk>/close/", views.close_view, name="case-close"),
    # The public listing (no login), registering and bidding (login), and a bidder's own bids.
    path("listings/", listing_views.listing_list_view, name="listing-list"),
    path("listings/<int:pk>/", listing_views.listing_detail_view, name="listing-detail"),
    path("listings/<int:pk>/register/", listing_views.register_view, name="listing-register"),
    path("listings/<int:pk>/bid/", listing_views.bid_view, name="listing-bid"),
    path("my-bids/", listing_views.my_bids_view, name="my-bids"),
]
