"""Invitations: how a person joins an organization, always by their own acceptance."""
