"""Bastion (堡垒): a university's epidemic prevention and control, run through its organization."""
