"""Billing: payers, fee agreements, invoice runs, invoices and credit notes, payments and debt."""
