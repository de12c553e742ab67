"""Small helpers that know nothing of Bastion's models."""
