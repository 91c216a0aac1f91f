"""Writes of the loans app, one module per sub-domain: products, coaching, applications (requests,
bank review, acceptance), facts (loans and the facts banks report), alerts and imports."""
