"""Outgoing e-mail: sent by SMTP when configured, always listed for administrators."""
