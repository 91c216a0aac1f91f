"""Every list, queue and workbench says, when it is empty, what that means and what to do next, with a link
when the user can act (issue 11: "empty states that say what to do"). Each persona opens its own lists in
an empty portal."""

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

# persona -> [(route, words the empty list must say, the page it must link to or None)]
EMPTY_LISTS = {
    "enterprise_user": [
        ("loans:request_list", "Start with the eligibility check", "loans:eligibility_check"),
        ("loans:coaching_mine", "Ask for coaching to learn whether you qualify", "loans:coaching_new"),
        ("pledges:asset_list", "No IP in your register yet.", "pledges:asset_create"),
        ("pledges:my_filings", "file the pledge registration of the IP it pledges", "pledges:filing_new"),
        ("subsidies:application-list", "Open one in a batch that takes applications", None),
    ],
    "bank_a_officer": [
        ("loans:application_queue", "Applications enterprises send to your bank appear here", None),
        ("loans:import_list", "Your bank has not uploaded any loan facts yet.", "loans:import_create"),
        ("loans:bank_product_list", "Your bank has no loan products yet.", None),
        ("pledges:to_confirm", "names your institution as pledgee", None),
        ("whitelist:delivery_list", "When the IP bureau publishes a whitelist batch", None),
        ("whitelist:recommendation_list", "Your bank has not recommended any enterprise yet.", None),
    ],
    "commissioner": [
        ("pledges:workbench", "Your queue is empty.", None),
        ("loans:coaching_cases", "The promotion centre assigns enterprises' requests to coaches", None),
    ],
    "reviewer": [
        ("subsidies:batch-list", "Create the first one", "subsidies:batch-create"),
        ("subsidies:review-queue", "Applications appear here when enterprises submit them", None),
        ("subsidies:payment-list-list", "the finance bureau makes a payment list", None),
        ("riskcomp:review-queue", "Claims appear here when banks submit them", None),
        ("whitelist:run_list", "No screening has been run yet. Start one above", None),
        ("whitelist:batch_list", "Create one above from a finished screening run", None),
        ("whitelist:import_list", "No indicator file has been uploaded yet.", None),
    ],
    "promotion_officer": [
        ("loans:coaching_queue", "each new request appears here for you to assign", None),
    ],
    "joint_office_viewer": [
        ("riskcomp:claim-list", "each submitted claim reaches the review queue", None),
        ("subsidies:application-list", "enterprises apply while a batch is open", None),
    ],
}


@pytest.mark.parametrize("persona", sorted(EMPTY_LISTS))
def test_each_empty_list_says_what_it_means_and_what_to_do(request, persona):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(request.getfixturevalue(persona))
    problems = []
    for route, words, link in EMPTY_LISTS[persona]:
        response = client.get(reverse(route))
        html = response.content.decode()
        if response.status_code != 200:
            problems.append(f"{route}: {response.status_code}")
        elif words not in html:
            problems.append(f"{route}: does not say {words!r}")
        elif link and f'href="{reverse(link)}"' not in html[html.index(words) :]:
            problems.append(f"{route}: no link to {link} after the message")
    assert not problems, "\n".join(problems)


def test_a_filtered_empty_list_offers_to_clear_the_filters(bank_a_officer):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(bank_a_officer)
    html = client.get(reverse("loans:application_queue"), {"search": "nothing-like-this"}).content.decode()
    assert "No application matches these filters." in html
    assert f'<a href="{reverse("loans:application_queue")}">Clear the filters</a>' in html
