"""Payments: charges, refunds, invoices and payment methods."""
