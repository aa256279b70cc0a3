#!/usr/bin/env python3
"""Writes credit-g-customers.csv: credit-g.csv with a synthetic customer_id column in front.

Issue 19 #2 (privacy units): the credit data has one row per loan application and no person
identifier, so this gives it one. Walking the rows in file order, each new customer takes the next
k rows, k drawn uniformly from 1 to 7 (mean 4) by random.Random(19): about 250 customers of
several rows each. The ids say nothing about the rows (synthetic); what they change is what DP
protects: a customer's rows together, not one row. Deterministic: run it again and the file is
byte-identical (Python 3.2+ keeps random.Random(seed).randint stable).

    python3 examples/credit/add-customer-ids.py
"""
import random
from pathlib import Path

here = Path(__file__).resolve().parent
lines = (here / "credit-g.csv").read_text(encoding="utf-8").splitlines()
rng = random.Random(19)
out = ["customer_id," + lines[0]]
customer, left = 0, 0
for row in lines[1:]:
    if left == 0:
        customer += 1
        left = rng.randint(1, 7)
    out.append("cust-%04d,%s" % (customer, row))
    left -= 1
(here / "credit-g-customers.csv").write_text("\n".join(out) + "\n", encoding="utf-8")
print("wrote %d rows of %d customers to %s" % (len(out) - 1, customer, here / "credit-g-customers.csv"))
