"""Help pages: a FAQ on the policy and a step-by-step guide for each role, public and linked from every page."""
