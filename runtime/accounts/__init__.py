"""Accounts: users, departments, sessions, sign-in, invitations and password resets."""
